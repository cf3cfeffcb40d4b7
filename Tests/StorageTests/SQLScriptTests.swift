import Testing
@testable import PostgresStorage

@Suite struct SQLScriptTests {
    @Test func splitsAtTopLevelSemicolonsOnly() {
        let script = """
            -- a comment; with a semicolon
            CREATE TABLE a (x text DEFAULT ';');
            /* block; comment */ CREATE TABLE "b;c" (y int);
            CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql;
            ;
            """
        let statements = SQLScript.statements(script)
        #expect(statements.count == 3)
        #expect(statements[0].hasSuffix("CREATE TABLE a (x text DEFAULT ';')"))
        #expect(statements[1].contains("CREATE TABLE \"b;c\" (y int)"))
        #expect(statements[2] == "CREATE FUNCTION f() RETURNS int AS $body$ SELECT 1; $body$ LANGUAGE sql")
    }

    @Test func aScriptOfCommentsHasNoStatements() {
        #expect(SQLScript.statements("-- nothing here\n\n-- still nothing\n").isEmpty)
    }
}
