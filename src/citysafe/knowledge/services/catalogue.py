"""The first edition of the guidance catalogue of government-purchased safety services (政府购买安全服务指导目录),
loaded by migration 0031 and, into an empty catalogue, by ``service.ensure_catalogue``."""

from __future__ import annotations

# The first edition of the guidance catalogue of government-purchased safety services. The categories follow
# 财政部《政府购买服务管理办法》(财政部令第102号, 2020) 第三章 (购买内容和目录: 政府向社会公众提供的公共服务, 以及
# 政府履职所需辅助性服务; 指导性目录管理); the items are the safety services districts commonly buy, each with the
# rule that asks for the work. Administrators edit it (knowledge.services), a new edition beside the old.
EDITION = "2026年版"
PUBLIC = "公共服务 · 公共安全服务"
AUXILIARY = "政府履职所需辅助性服务 · 安全监管技术服务"
CATALOGUE = (
    ("A01", PUBLIC, "安全生产宣传教育", "面向公众、企业从业人员的安全知识普及与宣传活动",
     "《中华人民共和国安全生产法》(2021) 第十三条"),
    ("A02", PUBLIC, "安全体验与科普场馆运营", "安全体验基地（馆）日常运营、讲解与预约接待",
     "《中共中央 国务院关于推进安全生产领域改革发展的意见》(2016)"),
    ("A03", PUBLIC, "应急救援志愿服务组织与培训", "社会应急力量、志愿者队伍的组织、培训与演练保障",
     "《中华人民共和国突发事件应对法》(2024)"),
    ("B01", AUXILIARY, "安全评价", "委托具备资质的机构开展安全预评价、验收评价、现状评价",
     "《安全评价检测检验机构管理办法》(应急管理部令第1号)"),
    ("B02", AUXILIARY, "检测检验", "安全设备设施、作业场所的检测检验",
     "《安全评价检测检验机构管理办法》(应急管理部令第1号)"),
    ("B03", AUXILIARY, "隐患排查（专家查隐患）", "委托第三方专家对企业开展隐患排查与复核",
     "《中华人民共和国安全生产法》(2021) 第十五条"),
    ("B04", AUXILIARY, "安全培训", "企业主要负责人、安全管理人员及监管执法人员培训",
     "《生产经营单位安全培训规定》(原国家安监总局令第3号)"),
    ("B05", AUXILIARY, "应急演练评估", "对政府和企业应急演练进行评估并出具报告",
     "AQ/T 9009-2015《生产安全事故应急演练评估规范》"),
    ("B06", AUXILIARY, "应急预案评审", "组织专家评审生产安全事故应急预案",
     "《生产安全事故应急预案管理办法》(应急管理部令第2号修正)"),
    ("B07", AUXILIARY, "技术咨询与专家会诊", "重大危险源、复杂隐患的专家会诊和技术咨询",
     "《中华人民共和国安全生产法》(2021) 第十五条"),
    ("B08", AUXILIARY, "安全生产标准化评审", "企业安全生产标准化定级评审",
     "《企业安全生产标准化建设定级办法》(应急〔2021〕83号)"),
    ("B09", AUXILIARY, "事故调查技术支持", "事故调查中的技术鉴定、分析与报告编写",
     "《生产安全事故报告和调查处理条例》(国务院令第493号)"),
    ("B10", AUXILIARY, "安全监管信息化运维", "监测预警、执法等信息系统的运行维护与数据服务",
     "《“十四五”国家安全生产规划》"),
)
