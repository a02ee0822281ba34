"""The 城市安全风险白皮书: ``facts`` gathers the numbers, ``figures`` draws them, ``text`` writes the chapters
(``guide`` holds the standing text), ``service`` builds, renders and records it, ``views`` serves it."""
