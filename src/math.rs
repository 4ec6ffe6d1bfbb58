//! Closed-form mathematics beside the engine, imported by every layer above it: Student-t
//! intervals and tests with the special functions they need (`ln_gamma`, the incomplete beta),
//! and the Erlang C queueing formulas the planner and the theory tests compare against.

pub mod confidence;
pub mod queueing;
