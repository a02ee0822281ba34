"""Pure rules of the resource registry: GB/T 38565-2020 codes and the team status machine."""
