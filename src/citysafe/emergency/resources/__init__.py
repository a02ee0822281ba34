"""Emergency resources (issue #13 point 1): rescue teams and their status, experts, supply depots and their stock
(GB/T 38565-2020 codes), and enterprise agreement reserves (协议储备)."""
