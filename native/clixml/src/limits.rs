//! Resource limits for decoding untrusted input. References are never expanded, so a
//! reference-amplified document costs what it weighs; these bound what it weighs.

/// Decoder limits. The defaults are generous for real PowerShell output (which never nests
/// deeper than 50 below the top level) but refuse hostile documents early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Maximum nesting of `Obj`, containers, `MS` and `En` below a top-level value. Values above
    /// [`Limits::HARD_MAX_DEPTH`] are clamped: the decoder recurses, and the stack must hold.
    pub max_depth: usize,
    /// Maximum `<Obj>` elements in one RefId scope (a document or fragment).
    pub max_objects: usize,
    /// Maximum `<Ref>` elements in one RefId scope.
    pub max_refs: usize,
    /// Maximum input bytes (after UTF-16 transcoding) the decoder reads in total.
    pub max_bytes: u64,
    /// Maximum bytes of one text node, tag or attribute value.
    pub max_string: usize,
}

impl Limits {
    /// The recursion ceiling; deeper `max_depth` settings are clamped to it. Sized so that a
    /// debug build (about 7 KiB of stack per level) stays well within a 2 MiB thread stack, the
    /// default of Rust test and tokio worker threads. PowerShell itself stops at 50.
    pub const HARD_MAX_DEPTH: usize = 128;

    pub(crate) fn depth(&self) -> usize {
        self.max_depth.min(Self::HARD_MAX_DEPTH)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 128,
            max_objects: 50_000_000,
            max_refs: 50_000_000,
            max_bytes: 16 << 30,
            max_string: 256 << 20,
        }
    }
}
