//! Writing captures: [`CaptureWriter`] (synchronous, for importers and tools) and [`Recorder`]
//! (the live `--record FILE` tee, which must never slow a feed down).
//!
//! The recorder runs its writer on a dedicated thread fed by a bounded tokio queue. A thread
//! rather than a runtime task because compressing and writing are blocking CPU and disk work
//! that would otherwise sit on a runtime worker beside the feeds. Feeds call
//! [`RecorderHandle::record`], which never waits: when the queue is full the event is counted
//! as dropped instead, and the count is shown to the user. A capture with drops is still a
//! valid file, but replaying it will show the gaps as gaps.
//!
//! The writer pushes its buffer through the compressor and to the file every time the queue
//! runs dry, so a crash loses at most what was still queued; a gzip cut short that way still
//! reads up to the cut (the reader reports the cut as one error).
//!
//! Rotation (size- or time-based file splitting) is NOT implemented: one recording is one file.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use flate2::write::GzEncoder;
use tokio::sync::{mpsc, oneshot};

use super::Compression;
use super::format::{Event, Header};

/// What a finished [`CaptureWriter`] wrote.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Events written (the header line is not an event).
    pub events: u64,
    /// Bytes that reached the file, after compression, header included.
    pub bytes: u64,
}

/// Writes a capture synchronously: the header at creation, then one line per event.
pub struct CaptureWriter<W: Write> {
    out: Encoder<Counting<W>>,
    /// Serialised lines not yet handed to the compressor; written in large chunks.
    buf: Vec<u8>,
    events: u64,
}

/// Lines are handed to the compressor (or file) once this much has accumulated.
const CHUNK: usize = 64 * 1024;

impl CaptureWriter<File> {
    /// Creates (truncates) `path`, compressing by its name (`.gz`, `.zst`, else plain).
    pub fn create(path: &Path, header: &Header) -> io::Result<Self> {
        CaptureWriter::new(File::create(path)?, Compression::from_path(path), header)
    }
}

impl<W: Write> CaptureWriter<W> {
    pub fn new(sink: W, compression: Compression, header: &Header) -> io::Result<Self> {
        let mut writer = CaptureWriter {
            out: Encoder::new(
                Counting {
                    inner: sink,
                    bytes: 0,
                },
                compression,
            )?,
            buf: Vec::with_capacity(CHUNK + 4096),
            events: 0,
        };
        writer.push_line(header)?;
        Ok(writer)
    }

    /// Appends one event (buffered: call [`flush`](Self::flush) or `finish` to push it out).
    pub fn write(&mut self, event: &Event<'_>) -> io::Result<()> {
        self.push_line(event)?;
        self.events += 1;
        if self.buf.len() >= CHUNK {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Pushes everything written so far through the compressor to the sink.
    pub fn flush(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.out.flush()
    }

    /// Events written so far, and bytes that reached the sink so far.
    pub fn stats(&self) -> WriteStats {
        WriteStats {
            events: self.events,
            bytes: self.out.counting().bytes,
        }
    }

    /// Flushes, ends the compressed stream and returns what was written.
    pub fn finish(mut self) -> io::Result<WriteStats> {
        self.out.write_all(&self.buf)?;
        let mut sink = self.out.finish()?;
        sink.flush()?;
        Ok(WriteStats {
            events: self.events,
            bytes: sink.bytes,
        })
    }

    fn push_line(&mut self, value: &impl serde::Serialize) -> io::Result<()> {
        serde_json::to_writer(&mut self.buf, value)?;
        self.buf.push(b'\n');
        Ok(())
    }
}

enum Encoder<W: Write> {
    Plain(W),
    Gzip(GzEncoder<W>),
    Zstd(zstd::Encoder<'static, W>),
}

impl<W: Write> Encoder<W> {
    fn new(sink: W, compression: Compression) -> io::Result<Self> {
        Ok(match compression {
            Compression::None => Encoder::Plain(sink),
            Compression::Gzip => {
                Encoder::Gzip(GzEncoder::new(sink, flate2::Compression::default()))
            }
            // Level 0 is zstd's default (3): fast enough to keep up with every feed at once.
            Compression::Zstd => Encoder::Zstd(zstd::Encoder::new(sink, 0)?),
        })
    }

    fn counting(&self) -> &W {
        match self {
            Encoder::Plain(w) => w,
            Encoder::Gzip(e) => e.get_ref(),
            Encoder::Zstd(e) => e.get_ref(),
        }
    }

    fn finish(self) -> io::Result<W> {
        match self {
            Encoder::Plain(w) => Ok(w),
            Encoder::Gzip(e) => e.finish(),
            Encoder::Zstd(e) => e.finish(),
        }
    }
}

impl<W: Write> Write for Encoder<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        match self {
            Encoder::Plain(w) => w.write(data),
            Encoder::Gzip(e) => e.write(data),
            Encoder::Zstd(e) => e.write(data),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Encoder::Plain(w) => w.flush(),
            Encoder::Gzip(e) => e.flush(),
            Encoder::Zstd(e) => e.flush(),
        }
    }
}

/// Counts the bytes that reach the file, for the stats.
struct Counting<W> {
    inner: W,
    bytes: u64,
}

impl<W: Write> Write for Counting<W> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(data)?;
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// What a recording wrote and lost.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RecordStats {
    pub events: u64,
    /// Bytes in the file (after compression), header included.
    pub bytes: u64,
    /// Events not recorded because the queue was full or the writer had stopped.
    pub dropped: u64,
}

/// The recording stopped on an I/O error (disk full, file removed …); `stats` says how far it got.
#[derive(Debug, thiserror::Error)]
#[error("recording failed after {} events ({} dropped): {source}", .stats.events, .stats.dropped)]
pub struct RecordError {
    #[source]
    pub source: io::Error,
    pub stats: RecordStats,
}

enum Msg {
    Event(Event<'static>),
    Finish,
}

/// Cheap to clone; one per feed task. Recording never blocks.
#[derive(Clone)]
pub struct RecorderHandle {
    tx: mpsc::Sender<Msg>,
    dropped: Arc<AtomicU64>,
}

impl RecorderHandle {
    /// Queues `event` for the writer. Returns `false`, and counts a drop, if the queue is full
    /// or the recording has ended; it never waits.
    pub fn record(&self, event: Event<'static>) -> bool {
        match self.tx.try_send(Msg::Event(event)) {
            Ok(()) => true,
            Err(_) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
                false
            }
        }
    }

    /// Events dropped so far (for the health pane and the final report).
    pub fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}

/// The recording itself: hands out [`RecorderHandle`]s and finishes the file.
pub struct Recorder {
    handle: RecorderHandle,
    result: oneshot::Receiver<Result<RecordStats, RecordError>>,
}

impl Recorder {
    /// A queue depth that absorbs a few seconds of every feed at once during a disk hiccup.
    pub const DEFAULT_QUEUE: usize = 16_384;

    /// Starts recording to `path` (created or truncated; `.gz`/`.zst` compress) with a header
    /// carrying `note` and the current time. `queue` is the queue depth in events (at least 1).
    pub fn create(path: &Path, note: &str, queue: usize) -> io::Result<Recorder> {
        let file = File::create(path)?;
        Recorder::start(
            file,
            Compression::from_path(path),
            &Header::now(note),
            queue,
        )
    }

    /// Starts recording to any sink (tests use an in-memory or deliberately stalled one).
    pub fn start<W: Write + Send + 'static>(
        sink: W,
        compression: Compression,
        header: &Header,
        queue: usize,
    ) -> io::Result<Recorder> {
        let writer = CaptureWriter::new(sink, compression, header)?;
        let (tx, rx) = mpsc::channel(queue.max(1));
        let dropped = Arc::new(AtomicU64::new(0));
        let (result_tx, result) = oneshot::channel();
        let thread_dropped = Arc::clone(&dropped);
        std::thread::Builder::new()
            .name("depthscope-recorder".into())
            .spawn(move || {
                let _ = result_tx.send(run(writer, rx, &thread_dropped));
            })?;
        Ok(Recorder {
            handle: RecorderHandle { tx, dropped },
            result,
        })
    }

    pub fn handle(&self) -> RecorderHandle {
        self.handle.clone()
    }

    pub fn dropped(&self) -> u64 {
        self.handle.dropped()
    }

    /// Writes everything queued before this call, ends the compressed stream and returns the
    /// stats. Events recorded afterwards, through handles still alive, count as dropped.
    pub async fn finish(self) -> Result<RecordStats, RecordError> {
        // Waits for room if the queue is full (the writer is draining it). An error means the
        // writer has already stopped, and its result says why.
        let _ = self.handle.tx.send(Msg::Finish).await;
        self.result.await.unwrap_or_else(|_| {
            Err(RecordError {
                source: io::Error::other("the recorder thread ended without a result"),
                stats: RecordStats {
                    dropped: self.handle.dropped(),
                    ..RecordStats::default()
                },
            })
        })
    }
}

/// The writer thread: drain the queue in batches, flush whenever it runs dry, then finish.
fn run<W: Write>(
    mut writer: CaptureWriter<W>,
    mut rx: mpsc::Receiver<Msg>,
    dropped: &AtomicU64,
) -> Result<RecordStats, RecordError> {
    let outcome = match drain(&mut writer, &mut rx) {
        Ok(()) => {
            let so_far = writer.stats();
            writer.finish().map_err(|e| (e, so_far))
        }
        Err(e) => Err((e, writer.stats())),
    };
    let stats = |w: WriteStats| RecordStats {
        events: w.events,
        bytes: w.bytes,
        dropped: dropped.load(Ordering::Relaxed),
    };
    match outcome {
        Ok(w) => Ok(stats(w)),
        Err((source, w)) => {
            // Whatever is still queued will never be written.
            rx.close();
            while let Ok(msg) = rx.try_recv() {
                if let Msg::Event(_) = msg {
                    dropped.fetch_add(1, Ordering::Relaxed);
                }
            }
            tracing::error!("recording stopped: {source}; further events are dropped");
            Err(RecordError {
                source,
                stats: stats(w),
            })
        }
    }
}

fn drain<W: Write>(writer: &mut CaptureWriter<W>, rx: &mut mpsc::Receiver<Msg>) -> io::Result<()> {
    while let Some(mut msg) = rx.blocking_recv() {
        loop {
            match msg {
                Msg::Event(event) => writer.write(&event)?,
                // Stop accepting; what is already queued is still written.
                Msg::Finish => rx.close(),
            }
            match rx.try_recv() {
                Ok(next) => msg = next,
                Err(_) => break,
            }
        }
        writer.flush()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::sync::{Mutex, mpsc as std_mpsc};

    use super::*;
    use crate::capture::format::{EventKind, Payload};
    use crate::capture::reader::{Capture, CaptureReader};
    use crate::market::VenueId;
    use crate::testutil::TempPath;

    /// Every kind, text and binary frames, and strings that need escaping.
    fn sample_events() -> Vec<Event<'static>> {
        let kinds = [
            EventKind::Open {
                conn: 1,
                url: "wss://ws.okx.com:8443/ws/v5/public".into(),
            },
            EventKind::Sent {
                conn: 1,
                payload: Payload::Text(r#"{"op":"subscribe","args":[{"channel":"books"}]}"#.into()),
            },
            EventKind::Recv {
                conn: 1,
                payload: Payload::Text("{\"s\":\"é ✓ \\\" \t\u{1}\"}\n".into()),
            },
            EventKind::Recv {
                conn: 1,
                payload: Payload::Binary(Cow::Owned((0..=255).collect())),
            },
            EventKind::Sent {
                conn: 1,
                payload: Payload::Binary(Cow::Borrowed(b"\x00\xff")),
            },
            EventKind::Recv {
                conn: 1,
                payload: Payload::Text("".into()),
            },
            EventKind::Close {
                conn: 1,
                reason: "close frame 1001: going away".into(),
            },
            EventKind::Rest {
                url: "https://api.binance.com/api/v3/depth?symbol=BTCUSDT&limit=1000".into(),
                status: 429,
                data: r#"{"code":-1003}"#.into(),
            },
        ];
        kinds
            .into_iter()
            .zip(0..)
            .map(|(kind, i)| Event {
                t: 1_700_000_000_000_000_000 + i,
                venue: VenueId::ALL[i as usize % VenueId::ALL.len()],
                kind,
            })
            .collect()
    }

    #[tokio::test]
    async fn recorded_events_read_back_identical_plain_gzip_and_zstd() {
        for (name, magic) in [
            ("rec.ndjson", &b"{\"depthscope_capture\":1"[..]),
            ("rec.ndjson.gz", &[0x1f, 0x8b][..]),
            ("rec.ndjson.zst", &[0x28, 0xb5, 0x2f, 0xfd][..]),
        ] {
            let path = TempPath::new(name);
            let recorder = Recorder::create(&path, "round trip", 64).unwrap();
            let handle = recorder.handle();
            for e in sample_events() {
                assert!(handle.record(e));
            }
            let stats = recorder.finish().await.unwrap();
            let bytes = std::fs::read(&*path).unwrap();
            assert!(bytes.starts_with(magic), "{name} is not in its format");
            assert_eq!(
                stats,
                RecordStats {
                    events: sample_events().len() as u64,
                    bytes: bytes.len() as u64,
                    dropped: 0
                }
            );

            let capture = Capture::read(&path).unwrap();
            assert!(capture.errors.is_empty(), "{name}: {:?}", capture.errors);
            assert_eq!(capture.header.unwrap().note, "round trip");
            assert_eq!(capture.events, sample_events(), "{name}");

            // The recording is over: late events are refused and counted.
            assert!(!handle.record(sample_events().remove(0)));
            assert_eq!(handle.dropped(), 1);
        }
    }

    /// A sink whose first write blocks until the test releases it: a disk that has stalled.
    struct StalledSink {
        stalled: std_mpsc::Sender<()>,
        release: std_mpsc::Receiver<()>,
        first: bool,
        written: Arc<Mutex<Vec<u8>>>,
    }

    impl Write for StalledSink {
        fn write(&mut self, data: &[u8]) -> io::Result<usize> {
            if std::mem::take(&mut self.first) {
                let _ = self.stalled.send(());
                let _ = self.release.recv();
            }
            self.written.lock().unwrap().extend_from_slice(data);
            Ok(data.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Deterministic without sleeps: the writer is provably stuck inside its first write when
    /// the queue is filled, so exactly `QUEUE` events fit and the rest must be dropped.
    #[test]
    fn a_full_queue_drops_and_counts_instead_of_waiting() {
        const QUEUE: usize = 3;
        let (stalled_tx, stalled) = std_mpsc::channel();
        let (release, release_rx) = std_mpsc::channel();
        let written = Arc::new(Mutex::new(Vec::new()));
        let sink = StalledSink {
            stalled: stalled_tx,
            release: release_rx,
            first: true,
            written: Arc::clone(&written),
        };
        let header = Header {
            created_ns: 0,
            note: "stall".into(),
        };
        let recorder = Recorder::start(sink, Compression::None, &header, QUEUE).unwrap();
        let handle = recorder.handle();
        let events = sample_events();

        // The writer takes the first event and blocks writing it: the queue is empty again.
        assert!(handle.record(events[0].clone()));
        stalled.recv().unwrap();
        for e in &events[1..=QUEUE] {
            assert!(handle.record(e.clone()));
        }
        for e in &events[QUEUE + 1..] {
            assert!(!handle.record(e.clone()));
        }
        let dropped = (events.len() - QUEUE - 1) as u64;
        assert_eq!((handle.dropped(), recorder.dropped()), (dropped, dropped));

        release.send(()).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        let stats = runtime.block_on(recorder.finish()).unwrap();
        assert_eq!((stats.events, stats.dropped), (QUEUE as u64 + 1, dropped));

        let bytes = written.lock().unwrap().clone();
        assert_eq!(stats.bytes, bytes.len() as u64);
        let mut reader = CaptureReader::new(io::Cursor::new(bytes));
        for expected in &events[..=QUEUE] {
            assert_eq!(reader.next_event().unwrap().unwrap(), *expected);
        }
        assert!(reader.next_event().is_none());
    }

    /// A sink that fails like a full disk.
    struct FullDisk;

    impl Write for FullDisk {
        fn write(&mut self, _: &[u8]) -> io::Result<usize> {
            Err(io::Error::new(io::ErrorKind::StorageFull, "no space left"))
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_write_failure_ends_the_recording_with_an_error_and_counts_the_rest() {
        let header = Header::now("full");
        let recorder = Recorder::start(FullDisk, Compression::Zstd, &header, 8).unwrap();
        let handle = recorder.handle();
        assert!(handle.record(sample_events().remove(0)));
        let err = recorder.finish().await.unwrap_err();
        assert_eq!(err.source.kind(), io::ErrorKind::StorageFull);
        assert!(err.to_string().contains("no space left"), "{err}");
        assert!(!handle.record(sample_events().remove(0)));
        assert!(handle.dropped() >= 1);
    }
}
