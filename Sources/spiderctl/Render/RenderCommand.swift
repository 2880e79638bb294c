import ArgumentParser
import Foundation
import SpiderCore
import SpiderYAML

/// `spiderctl render`: what Spiderpool's controllers would generate, without a cluster.
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Render the objects Spiderpool's controllers generate from a manifest.",
        subcommands: [NAD.self]
    )

    /// `spiderctl render nad`: SpiderMultusConfig → Multus NetworkAttachmentDefinition.
    struct NAD: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "nad",
            abstract: "Render a SpiderMultusConfig as the Multus NetworkAttachmentDefinition Spiderpool generates.",
            discussion: """
                The SpiderMultusConfig goes through the same admission as in a cluster (CRD defaults, \
                the mutating webhook, the validating webhook); a rejected object prints the webhook's \
                message and exits 1. Every SpiderMultusConfig of the file is rendered.

                --conflist prints only `spec.config`, the CNI conflist, for runtimes without Multus \
                (e.g. to save as /etc/cni/net.d/10-macvlan.conflist).

                Examples:
                  spiderctl render nad -f macvlan-ens192.yaml
                  spiderctl render nad -f macvlan-ens192.yaml -o json
                  spiderctl render nad -f macvlan-ens192.yaml --conflist
                """
        )

        enum Format: String, ExpressibleByArgument, CaseIterable { case yaml, json }

        @Option(name: [.customShort("f"), .customLong("file")], help: ArgumentHelp("The SpiderMultusConfig manifest (YAML or JSON; - for stdin).", valueName: "FILE"))
        var file: String

        @Option(name: [.customShort("o"), .customLong("output")], help: "yaml or json.")
        var output: Format = .yaml

        @Flag(help: "Print only the CNI conflist: the NAD's spec.config JSON, byte for byte.")
        var conflist = false

        func run() throws {
            let text: String
            if file == "-" {
                text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            } else {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw CommandFailure("cannot read file '\(file)'")
                }
                text = String(decoding: data, as: UTF8.self)
            }
            let nads: [NetworkAttachmentDefinition]
            do {
                let smcs = try SpiderMultusConfig.parse(text)
                guard !smcs.isEmpty else { throw CommandFailure("\(file): no SpiderMultusConfig found") }
                nads = try smcs.map { smc throws(MultusError) in try smc.render() }
            } catch let error as CommandFailure {
                throw error
            } catch {
                throw CommandFailure("\(file): \(error)")
            }

            if conflist {
                for nad in nads {
                    guard !nad.config.isEmpty else {
                        throw CommandFailure("\(nad.namespace)/\(nad.name): a custom type without customCNI has no CNI configuration to print")
                    }
                    Console.print(nad.config)
                }
                return
            }
            switch output {
            case .yaml:
                Console.print(nads.map { $0.document.yaml.trimmingCharacters(in: .newlines) }.joined(separator: "\n---\n"))
            case .json:
                let value: ManifestValue = nads.count == 1
                    ? nads[0].document
                    : .object([("apiVersion", .string("v1")), ("kind", .string("List")), ("items", .array(nads.map(\.document)))])
                Console.print(value.json(pretty: true))
            }
        }
    }
}
