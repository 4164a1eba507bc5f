//! The parts of the `f1replay` command other front ends reuse: [`load`] turns a SESSION
//! argument into decoded raw files, so the Python package loads exactly as the CLI does.

pub mod load;
