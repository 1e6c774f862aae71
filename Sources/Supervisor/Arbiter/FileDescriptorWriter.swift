import Glibc

/// Plain writes for the few lines that must reach stderr whatever the log configuration.
enum FileDescriptorWriter {
    static func standardError(_ text: String) {
        var bytes = Array(text.utf8)
        _ = write(STDERR_FILENO, &bytes, bytes.count)
    }
}
