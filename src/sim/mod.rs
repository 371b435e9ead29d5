//! The simulation kernel: simulated time, the control-event queue and the
//! lockstep of several processes. It knows nothing of Lambda, CloudWatch or
//! deployments — [`crate::world`] builds the AWS world of one replication on
//! top of it, and the strategy test harness (`strategy::script`) drives
//! strategies with the same queue, so both order same-time events alike.
//!
//! Determinism rests on two rules kept here:
//! - events are ordered by `(time, class, sequence)`: at equal times by
//!   [`Class`], then in insertion order ([`EventQueue`]);
//! - several processes advance in lockstep, always the one with the
//!   earliest next event, ties in process order ([`run_lockstep`]).

mod lockstep;
mod queue;
pub mod time;

pub use lockstep::{run_lockstep, Process};
pub use queue::{Class, EventQueue};
