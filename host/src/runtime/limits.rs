//! The per-instance memory limiter.
//!
//! Wasmtime's `StoreLimits` refuses growth past a cap but does not say
//! whether it did. This limiter does the same and remembers the refusal, so
//! that the trap which usually follows (a guest allocator aborting) is
//! reported as [`super::CallError::MemoryExhausted`], not as a bare trap.

use wasmtime::ResourceLimiter;

/// Caps linear memory and table growth of one store, and records refusals.
#[derive(Debug)]
pub struct MemoryCap {
    limit_bytes: usize,
    max_table_elements: usize,
    refused: bool,
}

impl MemoryCap {
    pub fn new(limit_bytes: usize) -> Self {
        Self {
            limit_bytes,
            max_table_elements: 100_000,
            refused: false,
        }
    }

    pub fn limit_bytes(&self) -> usize {
        self.limit_bytes
    }

    /// True once a growth past the cap was asked for in this store.
    pub fn refused(&self) -> bool {
        self.refused
    }
}

impl ResourceLimiter for MemoryCap {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = desired <= self.limit_bytes;
        self.refused |= !allowed;
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let allowed = desired <= self.max_table_elements;
        self.refused |= !allowed;
        Ok(allowed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn growth_within_the_cap_is_allowed_and_past_it_is_refused_and_remembered() {
        let mut cap = MemoryCap::new(1 << 20);
        assert!(cap.memory_growing(0, 1 << 16, None).unwrap());
        assert!(!cap.refused());
        assert!(!cap.memory_growing(1 << 16, 2 << 20, None).unwrap());
        assert!(cap.refused());
    }
}
