//! A panic in a spawned task is recorded and stops the run (its own test binary: the hook is
//! process-wide).

use depthscope::panics;
use tokio_util::sync::CancellationToken;

#[test]
fn a_panicking_task_is_recorded_and_cancels_the_run() {
    let stop = CancellationToken::new();
    panics::install(stop.clone());
    assert_eq!(panics::first(), None);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .build()
        .unwrap();
    rt.block_on(async {
        let task = tokio::spawn(async {
            let huge = std::hint::black_box(1e20);
            std::time::Duration::from_secs_f64(huge)
        });
        // Tokio keeps the panic inside the task's handle; only the hook saw it.
        assert!(task.await.unwrap_err().is_panic());
        // The run's token is cancelled: the session stops instead of running on without it.
        stop.cancelled().await;
    });
    let first = panics::first().expect("the panic is recorded");
    assert!(first.contains("cannot convert float seconds"), "{first}");
    assert!(first.contains("panicked at"), "{first}");
}
