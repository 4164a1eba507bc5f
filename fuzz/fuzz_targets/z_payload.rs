//! Fuzz target `z_payload`: see `harness::z_payload`.
#![no_main]

#[path = "../harness/mod.rs"]
#[allow(dead_code)] // each target uses one of the harness functions
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::z_payload(data));
