//! A panic anywhere ends the run loudly.
//!
//! Tokio catches a panic in a spawned task and only hands it to whoever awaits the task; the
//! session awaits its tasks at shutdown and has nothing to tell the user, so a worker that died
//! (a feed, the engine) left a process that ran on without it and finally exited 0. The hook
//! installed here records the first panic, stops the run through its cancellation token, and
//! lets the previous hook print as usual (the UI's hook, installed later, restores the terminal
//! first). The binary then repeats the message once the terminal is back and exits non-zero.

use std::sync::{Mutex, PoisonError};
use tokio_util::sync::CancellationToken;

static FIRST: Mutex<Option<String>> = Mutex::new(None);
static STOP: Mutex<Option<CancellationToken>> = Mutex::new(None);

/// Record panics from now on; the first one cancels `stop`. Wraps the hook installed now, so
/// call it again after anything that replaces the hook rather than wrapping it (color-eyre's
/// does); the first panic is recorded once however many times it is wrapped.
pub fn install(stop: CancellationToken) {
    *STOP.lock().unwrap_or_else(PoisonError::into_inner) = Some(stop);
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let what = info
            .payload()
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| info.payload().downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".to_owned());
        let thread = std::thread::current();
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        let message = format!(
            "thread '{}' panicked{at}: {}",
            thread.name().unwrap_or("unnamed"),
            crate::feed::driver::excerpt(&what)
        );
        FIRST
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get_or_insert(message);
        if let Some(stop) = &*STOP.lock().unwrap_or_else(PoisonError::into_inner) {
            stop.cancel();
        }
        previous(info);
    }));
}

/// The first panic recorded since [`install`], as `thread '…' panicked at file:line: message`.
pub fn first() -> Option<String> {
    FIRST.lock().unwrap_or_else(PoisonError::into_inner).clone()
}
