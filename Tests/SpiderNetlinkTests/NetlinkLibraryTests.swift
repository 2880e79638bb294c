import Testing
@testable import SpiderNetlink

@Suite("libmnl binding")
struct NetlinkLibraryTests {
    @Test("libmnl resolves and links: buffer size and alignment come from its headers")
    func resolves() {
        #expect(NetlinkLibrary.socketBufferSize >= 4096)  // min(page size, 8192)
        #expect(NetlinkLibrary.messageAlign(1) == 4)
        #expect(NetlinkLibrary.messageAlign(16) == 16)
    }
}
