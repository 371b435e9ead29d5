//! Reports. STUB
