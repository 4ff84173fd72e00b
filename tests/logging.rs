//! The log setup in its own process (a global subscriber can be installed once): records reach
//! the file in the given directory, never stdout, and a second install is refused.

use depthscope::logging::{self, FILE_NAME, LogSink};

#[test]
fn logs_go_to_the_file_and_a_second_subscriber_is_refused() {
    let dir = std::env::temp_dir().join(format!("depthscope-log-{}", std::process::id()));
    let guard = logging::init(LogSink::TuiPane, Some(&dir)).expect("first install");
    assert_eq!(guard.file, dir.join(FILE_NAME));
    tracing::info!(venue = "okx", "book resynced after a gap");
    tracing::debug!("below the default level");
    let again = logging::init(LogSink::FileOnly, Some(&dir));
    assert!(matches!(again, Err(logging::LogError::AlreadySet(_))));
    drop(guard); // flushes the non-blocking writer
    let text = std::fs::read_to_string(dir.join(FILE_NAME)).unwrap();
    assert!(
        text.contains("book resynced after a gap") && text.contains("venue=\"okx\""),
        "{text}"
    );
    if std::env::var_os("RUST_LOG").is_none() && std::env::var_os("DEPTHSCOPE_LOG").is_none() {
        assert!(
            !text.contains("below the default level"),
            "default level is info"
        );
    }
    assert!(!text.contains('\x1b'), "no colour codes in the file");
    std::fs::remove_dir_all(&dir).unwrap();
}
