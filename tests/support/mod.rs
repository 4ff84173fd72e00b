//! Shared by the integration tests: the in-memory loopback venue ([`loopback`]) and the crate's
//! own test-file helpers (real captures, temporary paths), included from
//! `src/testutil/files.rs` so unit and integration tests follow one `DEPTHSCOPE_REQUIRE_CAPTURES`
//! rule.

// Each test binary compiles this whole module and uses only part of it.
#![allow(dead_code, unused_imports)]

#[path = "../../src/testutil/files.rs"]
mod files;
pub mod loopback;

pub(crate) use files::{TempPath, capture_path};
