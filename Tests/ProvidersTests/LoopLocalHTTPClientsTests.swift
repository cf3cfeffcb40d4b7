import AsyncHTTPClient
import NIOCore
import NIOPosix
import Testing
@testable import Providers

/// Each event loop gets its own upstream client, whose connections can only live on that loop: a
/// call made on a loop is sent, answered and resumed there, with no other thread woken.
@Suite struct LoopLocalHTTPClientsTests {
    @Test func aCallerOnALoopGetsThatLoopsClient() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 3)
        let clients = LoopLocalHTTPClients(group: group, configuration: HTTPClient.Configuration())
        var distinct = Set<ObjectIdentifier>()
        for loop in group.makeIterator() {
            let client = try await loop.submit { clients.current }.get()
            // A client's connections are made on its group's loops, and this group is one loop.
            for _ in 0..<4 { #expect(client.eventLoopGroup.any() === loop) }
            distinct.insert(ObjectIdentifier(client))
        }
        #expect(distinct.count == 3)
        try await clients.shutdown()
        try await group.shutdownGracefully()
    }

    @Test func aCallerOffTheLoopsGetsAClientAllTheSame() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let clients = LoopLocalHTTPClients(group: group, configuration: HTTPClient.Configuration())
        let other = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let client = try await other.next().submit { clients.current }.get()
        #expect(group.makeIterator().contains { $0 === client.eventLoopGroup.any() })
        try await clients.shutdown()
        try await group.shutdownGracefully()
        try await other.shutdownGracefully()
    }
}
