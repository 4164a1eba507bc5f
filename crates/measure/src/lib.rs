//! f1replay's measuring tools, kept out of the crates a user links: the server has no client
//! code in it, and the figures the README quotes come from here and from `f1replay bench`.
//!
//! [`serve`] is the load generator of `f1replay bench serve`: WebSocket viewers and chunk
//! requests on loopback against a real [`server::Server`], with their figures.
//!
//! [`pipeline`] times the pipeline of `f1replay bench decode` and `bench build`: raw files →
//! session model → replay file, with CPU time, peak memory and FastF1 next to it.

#![warn(missing_docs)]

pub mod pipeline;
pub mod serve;
