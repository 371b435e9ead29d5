//! Scenario loading and validation. STUB
