import Dispatch

/// Runs async work to completion from the synchronous fuzzing callback. Only jwt-kit's key
/// collection (an actor) makes the code under test async.
func blocking<T: Sendable>(_ work: @escaping @Sendable () async -> T) -> T {
    let done = DispatchSemaphore(value: 0)
    let box = Box<T>()
    Task {
        box.value = await work()
        done.signal()
    }
    done.wait()
    return box.value!
}

/// Written by the task before it signals, read after the wait: the semaphore orders the two.
private final class Box<T>: @unchecked Sendable {
    var value: T?
}
