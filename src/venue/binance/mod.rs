//! Binance: spot (`stream.binance.com`) and USDⓈ-M futures (`fstream.binance.com`).

pub mod sync;
