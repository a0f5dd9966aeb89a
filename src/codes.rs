//! Code lists (placeholder; being written).
