//! Where tests find files: the real captures in `../shared/captures/`, and temporary paths.
//!
//! Only `std`, so the integration tests in `tests/` include this very file (`#[path]`) and
//! follow the same `DEPTHSCOPE_REQUIRE_CAPTURES` rule as the unit tests.

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// Set to `1` to turn a missing capture into a test failure.
const REQUIRE_CAPTURES: &str = "DEPTHSCOPE_REQUIRE_CAPTURES";

/// The path of `../shared/captures/<relative>`, or `None` after an `eprintln!` notice when it
/// is missing and captures are not required: a test that gets `None` returns early.
///
/// # Panics
/// When the file is missing and `DEPTHSCOPE_REQUIRE_CAPTURES=1`.
pub(crate) fn capture_path(relative: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/captures")
        .join(relative);
    let required = std::env::var(REQUIRE_CAPTURES).is_ok_and(|v| v == "1");
    found(path, required)
}

/// `path` when it is a file; otherwise `None` after a notice, or a panic when `required`.
pub(crate) fn found(path: PathBuf, required: bool) -> Option<PathBuf> {
    if path.is_file() {
        return Some(path);
    }
    assert!(
        !required,
        "capture {} is required ({REQUIRE_CAPTURES}=1) but missing",
        path.display()
    );
    eprintln!(
        "skipped: capture {} not available; set {REQUIRE_CAPTURES}=1 to fail instead",
        path.display()
    );
    None
}

/// A path in a fresh temporary directory, removed (with the directory) on drop.
pub(crate) struct TempPath {
    dir: PathBuf,
    path: PathBuf,
}

impl TempPath {
    pub(crate) fn new(file_name: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "depthscope-test-{}-{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).expect("create a temporary directory");
        let path = dir.join(file_name);
        TempPath { dir, path }
    }
}

impl Deref for TempPath {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for TempPath {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
