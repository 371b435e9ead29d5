//! canarysim: a discrete-event Monte Carlo simulator of deployment strategies.
pub mod alarm;
pub mod model;
pub mod record;
pub mod report;
pub mod scenario;
pub mod stats;
pub mod time;
