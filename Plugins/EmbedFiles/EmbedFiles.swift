import Foundation
import PackagePlugin

/// Compiles the repository's data files into the target that reads them, so an installed binary
/// needs no files beside it: `pricing/*.json` into `Pricing` (the default price catalogue),
/// `migrations/*.sql` into `PostgresStorage`, and `openapi/openapi.json` into `Gateway`. The files stay the editable source; the build
/// regenerates the Swift from them whenever one changes, or one is added or removed.
@main
struct EmbedFiles: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let (folder, suffix, typeName): (String, String, String)
        switch target.name {
        case "Pricing": (folder, suffix, typeName) = ("pricing", ".json", "BuiltInPriceFiles")
        case "PostgresStorage": (folder, suffix, typeName) = ("migrations", ".sql", "BuiltInMigrations")
        case "Gateway": (folder, suffix, typeName) = ("openapi", ".json", "BuiltInOpenAPI")
        default: return []
        }
        let directory = context.package.directoryURL.appending(path: folder)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(suffix) }.sorted().map { directory.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "\(typeName).swift")
        return [.buildCommand(
            displayName: "Embedding \(folder)/ in \(target.name)",
            executable: try context.tool(named: "tollgate-embed").url,
            arguments: [typeName, folder, output.path] + files.map(\.path),
            inputFiles: files, outputFiles: [output])]
    }
}
