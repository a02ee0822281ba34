"""参评对象: the creation objects of the demonstration-city programme, their 创建实施方案 and organisation."""
