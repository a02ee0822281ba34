"""Digital emergency plans (预案): structured plans, their versions, reviews and filings, the plan library."""
