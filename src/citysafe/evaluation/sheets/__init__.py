"""Score sheets (评分表): 自评, 复核, 评议, 复评 and the yearly 安全生产责任考核, one engine for all."""
