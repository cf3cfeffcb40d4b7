import Gateway
import NIOCore
import Testing

@Suite struct BackgroundExecutorTests {
    @Test func workThatPrefersItRunsOnTheBackgroundThreadWithItsChildTasks() async {
        let background = BackgroundExecutor.shared
        let loop = background.eventLoopGroup.next()
        #expect(!loop.inEventLoop)
        let placed = await withTaskExecutorPreference(background) {
            let own = loop.inEventLoop
            let children = await withTaskGroup(of: Bool.self) { group in
                for _ in 0..<8 { group.addTask { loop.inEventLoop } }
                return await group.reduce(true) { $0 && $1 }
            }
            try? await Task.sleep(for: .milliseconds(1))
            return own && children && loop.inEventLoop
        }
        #expect(placed)
    }
}
