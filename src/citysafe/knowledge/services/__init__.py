"""Government-purchased safety services (政府购买安全服务): the guidance catalogue (指导目录) as data, providers with
their qualifications, contracts, service records and evaluations."""
