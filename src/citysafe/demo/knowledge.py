"""The demo city's knowledge library: the 183 laws and regulations shipped with the platform, by chapter and
article, and a dozen accident cases of the kinds a city safety office studies. The cases are demo data,
written for the demo city (its districts, made-up company names) after the typical findings of published
investigation reports; each names its causes, lessons and the articles it breaks, graded by 国务院令第493号."""

from __future__ import annotations

import random
from datetime import date

from sqlalchemy.orm import Session

from citysafe.knowledge import service
from citysafe.knowledge.enums import Grade
from citysafe.knowledge.schemas import CaseIn

SOURCE = "演示数据：据同类事故调查报告的典型情形编写，单位名称为虚构"
_G1, _G2, _G3 = Grade.ORDINARY, Grade.LARGER, Grade.MAJOR

# (title, industry, grade, day, place, region, deaths, injuries, summary, causes, lessons, risk categories)
CASES: tuple[tuple[str, str, Grade, date, str, str, int, int, str, str, str, tuple[str, ...]], ...] = (
    ("某化工公司储罐区动火作业爆炸事故", "危险化学品", _G2, date(2023, 4, 12), "江北新区化工园", "320111", 3, 2,
     "检修人员在未清洗置换的甲苯储罐顶部进行切割动火作业，罐内可燃气体遇火花发生爆炸，罐顶掀开，作业人员坠落。",
     "动火作业未办理特殊作业票，未进行气体分析；储罐未与系统有效隔离、未清洗置换；承包商作业人员未经安全培训；"
     "现场无专人监护，违反《安全生产法》第四十三条关于危险作业现场安全管理的规定。",
     "严格执行 GB 30871 特殊作业票证制度，动火前气体分析合格方可作业；承包商纳入本单位统一管理和培训"
     "（《安全生产法》第二十八条）；危险作业安排专人现场监护。", ("industrial",)),
    ("某小区污水井有限空间中毒事故", "市政公用", _G2, date(2022, 7, 28), "鼓楼区某小区", "320106", 3, 1,
     "物业公司维修工进入污水检查井疏通管道时晕倒，两名同事未佩戴防护用品下井施救，相继中毒。",
     "进入有限空间前未通风、未检测硫化氢浓度；作业人员未配备正压式呼吸器；盲目施救导致伤亡扩大；"
     "物业公司未对有限空间作业进行辨识和告知。",
     "坚持“先通风、再检测、后作业”；配备气体检测仪和呼吸防护用品；严禁盲目施救，发生险情立即报警；"
     "建立有限空间台账并设置警示标识。", ("public_facility",)),
    ("某群租房电动自行车充电火灾事故", "居民住宅", _G2, date(2024, 1, 9), "秦淮区某自建房", "320104", 4, 3,
     "凌晨一楼楼道内停放充电的电动自行车电池起火，火势沿楼梯间蔓延，烟气封堵疏散通道，住户被困。",
     "电动自行车在楼道违规停放充电；房屋违规改建为群租房，疏散通道被杂物占用、堵塞，违反《消防法》第二十八条；"
     "无独立式感烟火灾探测报警器；出租人未落实消防安全责任。",
     "电动自行车集中停放、充电场所与住宅分离；群租房整治纳入网格排查；保持疏散通道畅通；"
     "加装独立式感烟报警器，开展居民消防安全宣传。", ("crowded",)),
    ("某餐饮店液化石油气泄漏爆炸事故", "燃气", _G2, date(2023, 6, 21), "玄武区某商业街", "320102", 5, 12,
     "营业期间后厨液化石油气钢瓶连接软管老化破裂，泄漏的燃气在密闭空间积聚，遇明火爆炸，波及相邻商铺和行人。",
     "使用不合格减压阀和橡胶软管，长期未更换；未安装可燃气体报警和紧急切断装置；员工发现异味后未关闭气源、未疏散；"
     "燃气经营企业入户安检流于形式。",
     "餐饮场所安装燃气泄漏报警和自动切断装置；使用金属软管并定期检查；燃气经营企业落实入户安检；"
     "员工掌握泄漏应急处置（关阀、通风、严禁开关电器、撤离报警）。", ("crowded", "public_facility")),
    ("某建筑工地塔式起重机倒塌事故", "建筑施工", _G1, date(2022, 9, 3), "雨花台区某住宅项目", "320114", 2, 1,
     "塔吊顶升加节作业中，顶升横梁一端脱出，塔吊上部结构失稳倒塌，两名安装工人坠落。",
     "安装单位未按专项施工方案作业；顶升前未检查横梁销轴就位情况；作业人员无特种作业资格；监理未旁站。",
     "起重机械安装拆卸编制专项方案并经审核；作业人员持证上岗；监理旁站监督；"
     "落实《建设工程安全生产管理条例》关于起重机械的规定。", ("industrial",)),
    ("某地铁站深基坑坍塌事故", "建筑施工", _G1, date(2021, 5, 17), "建邺区某地铁站工地", "320105", 1, 2,
     "连续降雨后基坑一侧土体突然滑塌，坑底作业的三名工人被掩埋。",
     "基坑监测数据超过预警值未停工处置；坑边堆载超限；雨季降排水措施不到位；施工单位未按方案分层开挖。",
     "超过一定规模的危大工程专家论证；监测数据超预警立即停工撤人；雨季专项排水；坑边严禁超载堆放。",
     ("industrial",)),
    ("某商场火灾事故", "人员密集场所", _G3, date(2020, 12, 24), "某市商业综合体", "", 11, 20,
     "商场二层服装店电气线路短路引燃可燃物，自动喷水灭火系统因阀门关闭未启动，浓烟迅速蔓延至中庭。",
     "消防设施长期处于停用状态，违反《消防法》第二十八条；消防控制室值班人员未持证、未及时确认火警；"
     "商户私拉乱接电线；员工未组织顾客疏散。",
     "消防设施保持完好有效，每月检查并记录；消防控制室 24 小时双人持证值班；"
     "开展全员消防培训和疏散演练；接入城市消防远程监控系统。", ("crowded",)),
    ("某金属制品公司铝粉尘爆炸事故", "工贸", _G2, date(2021, 8, 2), "溧水区某工业园", "320117", 6, 8,
     "抛光车间除尘系统管道内积聚的铝粉尘遇火花发生初始爆炸，扬起的积尘引发车间二次爆炸。",
     "除尘系统不符合 GB 15577 要求，未按规定清扫积尘；车间电气设备不防爆；企业未开展粉尘防爆专项培训；"
     "安全风险辨识管控不到位（《安全生产法》第四十一条）。",
     "按粉尘防爆标准改造除尘系统，每班清扫积尘；涉爆粉尘场所使用防爆电气；建立粉尘防爆安全风险清单。",
     ("industrial",)),
    ("某危险货物运输槽罐车追尾泄漏事故", "道路运输", _G1, date(2023, 11, 5), "绕城公路某路段", "320113", 1, 3,
     "满载液氨的槽罐车在弯道追尾前车，罐体阀门受损液氨泄漏，周边群众紧急疏散。",
     "驾驶员疲劳驾驶超速行驶；车辆卫星定位监控平台未对疲劳驾驶报警进行处置；押运员未履行职责。",
     "危险货物运输企业落实动态监控；严禁疲劳驾驶；沿线制定泄漏应急处置预案并定期演练。",
     ("public_facility",)),
    ("某住宅电梯轿厢意外移动伤害事故", "特种设备", _G1, date(2022, 3, 30), "栖霞区某小区", "320113", 1, 0,
     "电梯在开门状态下轿厢意外上行，正在进出的乘客被剪切身亡。",
     "电梯制动器故障，维保单位未按规定每 15 日维保；电梯超期未检验，违反《特种设备安全法》第四十条；"
     "物业未发现并处理故障报修。",
     "使用单位按期申报定期检验；维保单位落实维保责任；老旧电梯加装轿厢意外移动保护装置。", ("public_facility",)),
    ("某冷库液氨泄漏中毒事故", "工贸", _G1, date(2021, 6, 14), "江宁区某食品公司", "320115", 2, 6,
     "冷库氨制冷系统管道阀门法兰泄漏，维修工带压紧固时管道断裂，大量液氨喷出。",
     "带压作业无审批、无方案；氨制冷车间未设置氨气浓度报警与事故通风联锁；员工未配备防护用品。",
     "涉氨制冷企业重大事故隐患专项排查；严禁带压检修；安装氨泄漏报警与联锁；定期开展泄漏应急演练。",
     ("industrial",)),
    ("某下穿通道暴雨积水车辆被困事故", "自然灾害", _G1, date(2023, 7, 20), "某区下穿隧道", "", 2, 0,
     "短时强降雨致下穿通道积水深度超过一米，一辆小客车强行通过熄火，车内两人未能及时逃生。",
     "暴雨红色预警发布后，下穿通道未及时封闭；积水监测报警未联动道路管控；排涝泵站能力不足。",
     "易涝点积水监测与交通管控联动；暴雨预警期间下穿通道提前封闭；向公众发布避险提示。", ("natural",)),
)


def seed_demo(session: Session, rng: random.Random) -> None:
    """Load the shipped laws and the demo's accident cases (no randomness: the library is the same everywhere)."""
    service.import_laws(session, folder=service.CORPUS, actor="demo")
    for (title, industry, grade, day, place, region, deaths, injuries, summary, causes, lessons,
         categories) in CASES:
        service.save_case(session, actor="demo", case_in=CaseIn(
            title=title, industry=industry, grade=grade, occurred_on=day, place=place, region_code=region,
            deaths=deaths, injuries=injuries, summary=summary, causes=causes, lessons=lessons, source=SOURCE,
            risk_categories=list(categories)))
