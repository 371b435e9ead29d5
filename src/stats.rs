//! Statistics. STUB
