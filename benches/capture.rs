//! Capture reader throughput (replay target: ≥ 600,000 events/s on one core).
//!
//! Reads the real OKX cryptofeed recording, imported into a temporary capture in setup (the
//! shared captures are never copied into the repository). Reports events/s of the reader alone:
//! no adapter, no book.

use std::hint::black_box;
use std::path::{Path, PathBuf};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use depthscope::capture::CaptureReader;
use depthscope::capture::import::import_cryptofeed;
use depthscope::market::VenueId;

fn read_all(path: &Path) -> u64 {
    let mut reader = CaptureReader::open(path).expect("open the capture");
    let mut events = 0;
    while let Some(item) = reader.next_event() {
        if let Ok(event) = item {
            black_box(&event);
            events += 1;
        }
    }
    events
}

fn reader(c: &mut Criterion) {
    let ws = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/captures/okx/cryptofeed_OKX.ws.1.0.txt");
    if !ws.is_file() {
        eprintln!("skipped: {} not found", ws.display());
        return;
    }
    let dir: PathBuf =
        std::env::temp_dir().join(format!("depthscope-bench-capture-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create a temporary directory");

    let mut group = c.benchmark_group("capture_reader");
    for name in ["okx.ndjson", "okx.ndjson.zst", "okx.ndjson.gz"] {
        let out = dir.join(name);
        let stats = import_cryptofeed(&ws, None, VenueId::Okx, &out, "bench").expect("import");
        assert!(stats.errors.is_empty(), "{:?}", stats.errors);
        assert_eq!(read_all(&out), stats.events());
        group.throughput(Throughput::Elements(stats.events()));
        group.bench_function(name, |b| b.iter(|| read_all(&out)));
    }
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, reader);
criterion_main!(benches);
