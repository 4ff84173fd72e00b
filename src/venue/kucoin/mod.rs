//! KuCoin: Pro/UTA tokenless sockets (`obu`) and classic token sockets (`level2`).

pub mod sync;
