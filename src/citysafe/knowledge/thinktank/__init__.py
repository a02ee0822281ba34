"""The think tank (安全智库): one expert registry for the whole platform, by field, region and availability.

Emergency's expert pool (专家库) reads it through ``service``: the experts it may call are the ones marked
``emergency_pool``."""
