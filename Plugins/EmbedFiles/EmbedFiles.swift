import Foundation
import PackagePlugin

/// Compiles the repository's data files into the target that reads them, so an installed binary
/// needs no files beside it: `pricing/*.json` into `Pricing` (the default price catalogue),
/// `migrations/*.sql` into `PostgresStorage`, and `openapi/openapi.json` and the dashboard's pages
/// and assets (`dashboard/`) into `Gateway`. The files stay the editable source; the build
/// regenerates the Swift from them whenever one changes, or one is added or removed.
@main
struct EmbedFiles: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let embedded: [(folder: String, suffixes: [String], typeName: String)]
        switch target.name {
        case "Pricing": embedded = [("pricing", [".json"], "BuiltInPriceFiles")]
        case "PostgresStorage": embedded = [("migrations", [".sql"], "BuiltInMigrations")]
        case "Gateway":
            embedded = [("openapi", [".json"], "BuiltInOpenAPI"), ("dashboard", [".html", ".js", ".css", ".svg"], "BuiltInDashboard")]
        default: return []
        }
        return try embedded.map { folder, suffixes, typeName in
            let directory = context.package.directoryURL.appending(path: folder)
            let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                .filter { name in suffixes.contains { name.hasSuffix($0) } }.sorted().map { directory.appending(path: $0) }
            let output = context.pluginWorkDirectoryURL.appending(path: "\(typeName).swift")
            return .buildCommand(
                displayName: "Embedding \(folder)/ in \(target.name)",
                executable: try context.tool(named: "tollgate-embed").url,
                arguments: [typeName, folder, output.path] + files.map(\.path),
                inputFiles: files, outputFiles: [output])
        }
    }
}
