"""信息报告: 首报, 续报, 终报 and 补报 of an incident, their clocks up the region tree, the 事故快报 as DOCX."""
