//! Binance against real frames: the cryptofeed spot (2021) and USDⓈ-M (2021) recordings with
//! their REST snapshots ([`replay`]), and hand-written frames in the docs' shapes for what they
//! lack: the REST join, gaps and malformed input ([`sync`]); trades, liquidations, mark price,
//! open interest and connections ([`streams`]).

mod replay;
mod streams;
mod sync;

use super::{Binance, Market};
use crate::feed::adapter::{Adapter, Frame, Output};
use crate::feed::driver::{Driver, DriverConfig};
use crate::feed::event::MarketEvent;
use crate::feed::protocol::Protocol;
use crate::instrument::guess;

/// Everything the driver produced over several calls.
#[derive(Default)]
struct Seen {
    events: Vec<MarketEvent>,
    rest: Vec<String>,
    problems: Vec<String>,
}

impl Seen {
    fn take(&mut self, out: &mut Output) {
        self.events.append(&mut out.events);
        self.rest.extend(out.rest.drain(..).map(|r| r.url));
        self.problems.append(&mut out.problems);
        out.clear();
    }
}

fn live<M: Market>(symbol: &str) -> Driver<Binance<M>> {
    let instrument = guess(M::VENUE, symbol);
    let mut d = Driver::new(
        Binance::<M>::new(None, None),
        DriverConfig::live(),
        vec![instrument],
        Vec::new(),
    );
    for conn in 0..M::SOCKETS.len() {
        d.on_open(conn, 0, &mut Output::default());
    }
    d
}

fn feed<P: Protocol>(d: &mut Driver<P>, frames: &[&str]) -> Seen {
    let mut seen = Seen::default();
    let mut out = Output::default();
    for (i, f) in frames.iter().enumerate() {
        d.on_frame(0, Frame::Text(f), i as u64 * 1_000_000, &mut out);
        seen.take(&mut out);
    }
    seen
}

fn rest<P: Protocol>(d: &mut Driver<P>, url: &str, status: u16, body: &str) -> Seen {
    let mut seen = Seen::default();
    let mut out = Output::default();
    d.on_rest(url, status, body, 0, &mut out);
    seen.take(&mut out);
    seen
}
