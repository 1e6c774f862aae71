import CSystemShims
import Glibc

/// A child that must not outlive its parent, even when it cannot notice the parent is gone
/// (its own loop stuck): the kernel sends it `signal` when the parent exits.
public enum ParentDeath {
    /// Asks for `signal` on the parent's death; false (and the caller should leave at once)
    /// when the parent is already gone, that is, no longer `expectedParent`.
    public static func signal(_ signal: Int32, expectedParent: pid_t?) -> Bool {
        _ = gh_set_parent_death_signal(signal)
        // The parent may have died before the request was made: then it never comes.
        guard let expectedParent else { return true }
        return getppid() == expectedParent
    }
}
