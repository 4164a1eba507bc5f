//! f1replay's measuring tools, kept out of the crates a user links: the server has no client
//! code in it, and the figures the README quotes come from here and from `f1replay bench`.
//!
//! [`serve`] is the load generator of `f1replay bench serve`: WebSocket viewers and chunk
//! requests on loopback against a real [`server::Server`], with their figures.

#![warn(missing_docs)]

pub mod serve;
