//! Test helpers for this module: temporary files and the shared real captures.
//!
//! Kept small and local so a crate-wide helper can replace them later.

use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};

/// A path in a fresh temporary directory, removed (with the directory) on drop.
pub(crate) struct TempPath {
    dir: PathBuf,
    path: PathBuf,
}

impl TempPath {
    pub(crate) fn new(file_name: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let dir = std::env::temp_dir().join(format!(
            "depthscope-capture-test-{}-{}",
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

/// `../shared/captures/<relative>` beside the crate, or `None` (after saying so) when it is
/// absent. Under `DEPTHSCOPE_REQUIRE_CAPTURES=1` (CI) an absent file fails the test instead.
pub(crate) fn real_capture(relative: &str) -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/captures")
        .join(relative);
    if path.is_file() {
        return Some(path);
    }
    if std::env::var("DEPTHSCOPE_REQUIRE_CAPTURES").as_deref() == Ok("1") {
        panic!(
            "DEPTHSCOPE_REQUIRE_CAPTURES=1 but a real capture is missing: expected {}",
            path.display()
        );
    }
    eprintln!(
        "skipped: real capture not found at {} (set DEPTHSCOPE_REQUIRE_CAPTURES=1 to fail instead)",
        path.display()
    );
    None
}
