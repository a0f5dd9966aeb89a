//! Working days and public holidays (placeholder; being written).
