"""Word lists the offline analyser uses. Read-only module constants (frozensets, tuples, mappings that
nothing mutates); generic vocabulary of English and Chinese fiction, never names from a particular book.
"""

from __future__ import annotations

from types import MappingProxyType


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# --- English -----------------------------------------------------------------------------------------

EN_TITLES = _words(
    "Mr Mrs Ms Miss Mx Dr Sir Lady Lord Madam Madame Mme Mademoiselle Mlle Monsieur Master Mistress Dame "
    "Captain Capt Colonel Col General Gen Major Lieutenant Lt Sergeant Admiral Professor Prof Reverend Rev "
    "Father Sister Brother Uncle Aunt Prince Princess King Queen Duke Duchess Count Countess Baron Baroness "
    "Doctor Inspector Constable Detective Judge Governor Bishop Cardinal Commander Nurse Abbot Friar"
)
# Titles after which a bare surname most often means this person (narration says "Darcy" for Mr Darcy).
EN_MALE_TITLES = _words("Mr Sir Lord Dr Captain Colonel General Major Lieutenant Professor Reverend Master")
EN_STOP = _words(
    "I A An The This That These Those There Here Then Than Thus Hence So But And Or Nor For Yet If When While "
    "Where Whence Whither Why What Which Who Whom Whose How Whatever Whoever However Although Though Because "
    "Since Unless Until Till After Before As At By From In Into Of On Onto Upon To With Within Without About "
    "Above Below Over Under Through Across Amongst Among Between Beyond Towards Toward Against During Except "
    "He She It We They You Me Him Her Us Them My Your His Its Our Their Mine Yours Hers Ours Theirs Myself "
    "Yourself Himself Herself Itself Ourselves Themselves One Ones Someone Somebody Anyone Anybody Everyone "
    "Everybody Nobody Nothing Something Anything Everything All Any Each Every Both Either Neither Some Such "
    "No Not Yes Nay Aye Oh Ah Alas Ay Ha Hah Hey Hush Lo Pray Well Why Indeed Perhaps Surely Certainly Only "
    "Even Still Now Once Soon Again Also Too Very Much Many More Most Less Least Few Other Another Same "
    "Do Does Did Done Be Is Are Was Were Been Being Am Have Has Had Shall Should Will Would May Might Must "
    "Can Could Let Come Go Look See Say Said Tell Dear Good Sure Mind Upon Whilst Besides Meanwhile Nonsense "
    "Chapter Volume Book Part Section Prologue Epilogue Preface Contents Introduction Appendix Note Notes End "
    "God Gods Heaven Heavens Lord Christ Jesus Providence Fate Bible Church Sunday Monday Tuesday Wednesday "
    "Thursday Friday Saturday January February March April June July August September October November "
    "December Christmas Easter Michaelmas Lady-day Whitsun Whitsuntide Lent Midsummer Candlemas Martinmas "
    "English French German Spanish Italian Irish Scottish Scotch Welsh British American Dutch Russian Greek "
    "Roman Latin Chinese Japanese Indian European African Christian Catholic Protestant Jewish Mr Mrs Miss "
    "Madam Sir OK Okay Hello Goodbye Thank Thanks Please Sorry Mamma Mama Papa Mother Father Sister Brother "
    "Majesty Highness Excellency Lordship Ladyship Worship Honour Honor Company Society Club"
)
# Epithets written before a name ("Poor Alice", "Old Jolyon"): the person is the name without it.
EN_EPITHETS = _words("Poor Little Old Young Dear Good Great Big Wicked Silly Pretty Sweet Brave Dearest")
# Words that follow a person's name as the start of its predicate ("Crane sat", "Dinah'll miss me").
EN_AGENT_VERBS = _words(
    "said says was is had has did does would could will shall should might must may can cannot never always "
    "thought looked went came felt knew saw began took got made asked cried replied turned stood sat ran "
    "smiled laughed nodded seemed wanted kept told gave found heard put led opened closed walked followed "
    "tried answered whispered shouted called sighed wrote read left lay looked watched waited loved hated "
    "herself himself too also alone"
)
# Countries and continents: named places whatever preposition stands before them.
EN_COUNTRIES = _words(
    "Africa America Asia Europe Australia Antarctica Arabia England Scotland Wales Ireland Britain France "
    "Germany Italy Spain Portugal Holland Belgium Switzerland Austria Hungary Bohemia Poland Russia Prussia "
    "Sweden Norway Denmark Finland Greece Turkey Egypt India China Japan Persia Canada Mexico Brazil Peru "
    "Chile Argentina Siberia Scandinavia Zealand Jersey York"
)
EN_PLACE_SUFFIXES = _words(
    "Park Hall House Lodge Manor Abbey Castle Court Palace Tower Towers Square Street Road Lane Row Place "
    "Gardens Garden Church Chapel Cathedral Bridge River Lake Mountain Mountains Hill Hills Forest Wood Woods "
    "Village Town City County Island Isle Bay Harbour Harbor Port Inn Tavern Farm Grange Cottage Rectory "
    "Parsonage Priory Vale Valley Moor Heath Common Station Academy School College University Hospital "
    "Prison Market Plaza Avenue Boulevard Fort Camp Point Cove Creek Falls Springs Gate Gates Hotel Bank"
)
EN_LOCATIVE_PREPOSITIONS = _words(
    "in at to into from near towards toward through across around within inside outside beyond reach of upon"
)
EN_PLACE_NOUNS = _words(
    "room house home library study parlour parlor drawing-room ballroom hall kitchen garden gardens park "
    "village town city street road lane church chapel inn tavern shop market castle palace tower court "
    "courtyard farm cottage estate manor neighbourhood neighborhood country countryside forest wood woods "
    "field fields meadow river lake sea shore beach harbour harbor port ship deck cabin camp fort prison "
    "cell temple school office station hospital bedroom chamber cellar attic stairs staircase corridor "
    "gallery theatre theater assembly ballroom stable stables mill bridge hill mountain valley desert island "
    "cave ruins graveyard churchyard square"
)
EN_ITEM_NOUNS = _words(
    "letter letters note book books hat bonnet gown gowns dress dresses coat cloak glove gloves ring necklace "
    "bracelet brooch locket jewel jewels pearl pearls lace ribbon ribbons fan parasol umbrella cane sword "
    "dagger knife pistol gun rifle bow arrow arrows shield armour armor helmet key keys box chest trunk bag "
    "purse wallet basket bottle glass cup cups plate bowl teapot candle candles lamp lantern torch map "
    "compass watch clock mirror portrait painting picture photograph pen ink paper papers scroll diary "
    "journal notebook newspaper card cards ticket coin coins money banknote chaise carriage coach cart "
    "wagon boat car phone telephone computer laptop camera radio piano pianoforte harp violin guitar flute "
    "pipe tobacco wine tea coffee medicine potion poison amulet talisman handkerchief shawl veil shoes boots "
    "scarf spectacles crown sceptre wand staff rope ladder lamp chessboard dice"
)
EN_DETERMINERS = _words("a an the his her their my your our its this that these those one some")
EN_SPEECH_VERBS = sorted(
    _words(
        "said replied cried asked answered returned continued added observed exclaimed whispered shouted called "
        "muttered declared remarked began interrupted repeated rejoined resumed sighed laughed protested says "
        "asks replies cries"
    )
)
EN_KNOW_VERBS = _words(
    "knew know knows known heard hear hears learnt learned learn told tells discovered discover found "
    "remembered remember understood understand realised realized guessed suspected believed"
)
EN_KINSHIP = _words(
    "father mother sister brother wife husband daughter son aunt uncle cousin niece nephew grandmother "
    "grandfather friend friends master mistress servant maid lover fiance fiancee suitor partner "
    "brother-in-law sister-in-law father-in-law mother-in-law neighbour neighbor guardian ward enemy rival"
)
EN_BACKGROUND_CUES = _words(
    "daughter son born family fortune estate inherited property married widow widower lived living "
    "village county trade rank heir heiress father mother educated year thousand"
)
EN_TRAITS = _words(
    "proud haughty reserved fastidious clever witty lively playful cheerful merry gay amiable agreeable "
    "disagreeable pleasant unpleasant handsome beautiful pretty plain tolerable elegant graceful charming "
    "sensible silly foolish ignorant selfish hypocritical kind gentle cruel brave bold timid shy nervous "
    "anxious sarcastic caprice capricious quiet talkative proud vain conceited modest humble honest "
    "sincere cunning sly wicked good generous mean rude civil polite courteous cold warm cordial stubborn "
    "obstinate impatient patient wise learned rich wealthy poor young old tall strong weak ill sick angry "
    "gentlemanlike good-looking unreserved easy unaffected forbidding lively discontented fretful teasing "
    "tiresome excellent accomplished delightful horrid insipid intelligent shrewd loyal faithful jealous "
    "ambitious greedy lazy diligent melancholy gloomy sad happy serious grave solemn fierce gentle"
)
EN_FORMAL_MARKERS = _words("shall indeed assure pray sir madam upon honour honor certainly beg cannot whom")
EN_NICKNAMES = MappingProxyType(
    dict(
        pair.split(":")
        for pair in _words(
            "lizzy:elizabeth lizzie:elizabeth liz:elizabeth eliza:elizabeth beth:elizabeth betsy:elizabeth "
            "bess:elizabeth betty:elizabeth kitty:catherine kate:catherine katie:catherine cathy:catherine "
            "jenny:jane janey:jane bill:william billy:william will:william willy:william bob:robert bobby:robert "
            "rob:robert dick:richard rick:richard jim:james jimmy:james jamie:james tom:thomas tommy:thomas "
            "ned:edward ted:edward teddy:edward eddie:edward harry:henry hal:henry jack:john johnny:john "
            "peggy:margaret meg:margaret maggie:margaret polly:mary molly:mary mamie:mary sally:sarah "
            "fanny:frances nell:eleanor nelly:eleanor charlie:charles sam:samuel ben:benjamin dan:daniel "
            "nick:nicholas tony:anthony fred:frederick freddy:frederick abby:abigail annie:anne nancy:anne "
            "georgie:georgiana lottie:charlotte charley:charlotte lucy:lucia "
        )
    )
)

# --- Chinese -----------------------------------------------------------------------------------------

# Common surnames (百家姓), without the ones that are everyday function words (那, 都, 后, 明...), which
# would make any word starting with them look like a name.
ZH_SURNAMES = frozenset(
    "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛奚范彭郎鲁韦昌马苗凤"
    "花方俞任袁柳酆鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安傅皮卞齐康伍余元卜顾孟黄穆萧尹姚邵湛汪祁毛禹狄米贝臧计伏戴"
    "谈宋茅庞熊纪舒屈项祝董梁杜阮蓝闵席季麻强贾路娄危江童颜郭梅盛林刁钟徐邱骆高夏蔡田樊胡凌霍虞万支柯昝管卢莫房裘"
    "缪宗丁宣贲邓郁杭洪石崔吉钮龚程嵇邢滑裴陆荣翁荀羊惠甄曲封芮羿储靳汲邴糜松井段富巫乌焦巴弓牧隗山谷车侯宓蓬郗班"
    "仰秋仲伊宫宁仇栾钭厉戎祖武符刘景詹束龙叶幸司韶郜黎蓟薄白怀蒲邰鄂索咸籍赖卓蔺屠蒙池乔阴郁胥莘党翟谭逄姬冉郦雍"
    "璩桑桂濮牛寿边扈燕冀郏浦尚农温庄晏柴瞿阎慕茹习宦艾鱼古戈廖庾暨衡耿匡寇欧殳沃利蔚越夔隆师巩厍聂晁勾敖融冷訾辛"
    "阚简饶曾沙乜鞠丰巢关蒯荆红游竺权逯盖桓邢"
)
ZH_NAME_TAGS = frozenset({"nr", "nrfg", "nrt"})
ZH_PLACE_TAGS = frozenset({"ns", "nt"})
# Words jieba tags as names that are kinship terms, forms of address or collectives, not persons.
ZH_NOT_NAMES = _words(
    "老太太 太太 老爷 老祖宗 祖宗 嬷嬷 老嬷嬷 奶嬷嬷 姑娘 小姐 公子 夫人 先生 大人 丫鬟 丫头 小厮 婆子 奶娘 乳母 "
    "舅母 舅舅 母亲 父亲 姐姐 妹妹 哥哥 弟弟 嫂子 外祖母 祖母 祖父 媳妇 岳母 姑妈 姨妈 表兄 老母 二人 三人 众人 "
    "大家 他们 我们 你们 别人 外人 世人 旁人 一人 个人 人人 诸人 此人 那人 这人 其人 主人 客人 女儿 儿子 孙女 外孙女 "
    "东西 什么 怎么 如此 这样 那样 哥儿 姐儿 "
    "神仙 仙子 和尚 道士 师父 师傅 皇上 陛下 娘娘 大王 将军 状元 秀才 老人 老者 少年 姑姑 阿姨 叔叔 伯伯 妈妈 爸爸 "
    "女子 妇人 老妇 男子 汉子 孩子 女人 男人 主人 徒弟 弟子 师徒 军士 众军 百姓 官人 长老"
)
ZH_ADDRESS_SUFFIXES = (
    "夫人",
    "嬷嬷",
    "姑娘",
    "小姐",
    "公子",
    "老爷",
    "太太",
    "奶奶",
    "姐姐",
    "妹妹",
    "哥哥",
    "大哥",
    "嫂子",
    "先生",
    "大人",
    "丫头",
    "姨妈",
    "姑妈",
    "氏",
    "教授",
    "博士",
    "医生",
    "老师",
    "站长",
    "队长",
    "船长",
    "经理",
    "警官",
    "提辖",
    "大官人",
    "大郎",
    "员外",
    "教头",
    "太公",
    "将军",
)
# Forms of address put after a surname (许教授, 鲁提辖): the person is the one full name with that surname.
ZH_TITLE_AFTER_SURNAME = _words(
    "教授 博士 医生 老师 站长 队长 船长 经理 警官 提辖 大官人 大郎 员外 教头 太公 将军 先生 老爷"
)
# Pronouns and collectives that stand before a verb the way a name does (他寻思, 众人闻言).
ZH_SUBJECTS = frozenset("他她我你它俺咱众")
# Characters that cling to a name in jieba's output of classical prose (贾母笑, 黛玉忙, 携黛玉, 贾政之).
ZH_TRAILING_NOISE = frozenset("笑道忙因之命方度便又也说问听见等亦遂却乃来去早自只正已心想看叹哭骂答喊叫等的了着")
ZH_LEADING_NOISE = frozenset("携引扶令与和同向见问叫拉搂随把被让请对给命便这那因连将使教唤")
ZH_AGENT_FOLLOWERS = frozenset(
    "道说笑问答叫喊哭叹骂忙便听想见看命因又也亦遂方早一心自只却正已曰引令领率称乃即急纵提挺闻随拍奔杀战欲"
)
# Two-character surnames (皇甫嵩, 诸葛亮, 司马懿).
ZH_DOUBLE_SURNAMES = _words(
    "皇甫 诸葛 司马 欧阳 上官 夏侯 公孙 慕容 令狐 尉迟 长孙 宇文 东方 司徒 西门 端木 独孤 南宫 轩辕 百里"
)
ZH_NAMING_PATTERNS = (
    r"名唤作?",
    r"名叫",
    r"叫作",
    r"唤作",
    r"学名",
    r"乳名",
    r"小名(?:就唤|唤作|叫作|叫)?",
    r"本名",
    r"更名",
    r"名为",
    r"取名为?",
    r"表字",
    r"[，,]字",
)
ZH_KNOW_WORDS = ("知道", "听得", "听见", "晓得", "便知", "记得", "料定", "认得", "听说", "明白", "得知")
ZH_KINSHIP = (
    "父亲",
    "母亲",
    "之父",
    "之母",
    "之妻",
    "之夫",
    "之女",
    "之子",
    "之兄",
    "之弟",
    "之妹",
    "之姐",
    "之婢",
    "之孙",
    "外祖母",
    "外孙女",
    "祖母",
    "舅舅",
    "舅母",
    "表兄",
    "表妹",
    "姊妹",
    "兄弟",
    "夫人",
    "妻子",
    "丈夫",
    "朋友",
    "丫鬟",
    "丫头",
    "奶娘",
    "乳母",
    "老爷",
    "主人",
    "师父",
    "徒弟",
    "嫂子",
    "侄女",
    "内兄",
    "妹丈",
    "同僚",
)
ZH_BACKGROUND_CUES = _words("之女 之子 之妻 之母 本系 原系 出身 自幼 本名 学名 小名 乃是 现任")
# What a profile field says when the text does not state it (a personality no sentence supports).
UNSTATED = MappingProxyType({"en": "unknown", "zh": "未知"})
ZH_TRAITS = (
    "温柔",
    "沉默",
    "顽劣",
    "憨顽",
    "聪明",
    "伶俐",
    "傲慢",
    "谦恭",
    "厚道",
    "怯弱",
    "乖僻",
    "乖张",
    "纯良",
    "痴狂",
    "泼辣",
    "爽利",
    "标致",
    "俊美",
    "贤惠",
    "多病",
    "孤高",
    "豁达",
    "懦弱",
    "刚强",
    "善良",
    "狠毒",
    "精明",
    "糊涂",
    "天真",
    "活泼",
    "稳重",
    "端庄",
    "娇弱",
    "风流",
    "放诞",
    "无礼",
    "恭肃",
    "严整",
    "可亲",
    "忘俗",
    "多情",
    "疯傻",
    "甜言蜜语",
    "魁伟",
    "不俗",
    "骄傲",
    "勇敢",
    "胆小",
    "忠心",
    "机灵",
    "古怪",
    "冷淡",
    "热情",
    "慈爱",
    "溺爱",
    "严厉",
    "孝顺",
    "淘气",
    "老实",
    "狡猾",
    "贪婪",
    "忧郁",
    "伤心",
    "欢喜",
    "羞怯",
    "刁钻",
    "和气",
    "体弱",
)
ZH_PLACE_SUFFIXES = tuple("府园宫寺山城村楼庙殿院镇河湖堂厅阁庵观街巷亭桥江海州县郡关寨岛洞峰谷庄")
ZH_GENERIC_PLACES = _words(
    "正房 上房 耳房 厢房 书房 下房 后院 院中 院落 大院 正院 穿堂 后房 房中 房内 房里 堂屋 正室 内室 家中 城中 "
    "山石 江山 此山 这院 那院 满院 一院 何处 此处 别处 宽处 门前 门外 门内 大门 角门 正门 二门 仪门 府中 园中"
)
ZH_ITEM_WORDS = (
    "通灵宝玉",
    "宝玉",
    "玉",
    "剑",
    "宝剑",
    "刀",
    "书",
    "书信",
    "信",
    "荐书",
    "扇子",
    "扇",
    "簪",
    "钗",
    "镜子",
    "镜",
    "手帕",
    "帕",
    "茶",
    "酒",
    "药",
    "丸药",
    "轿子",
    "轿",
    "车",
    "匾",
    "对联",
    "鼎",
    "项圈",
    "璎珞",
    "寄名锁",
    "护身符",
    "锁",
    "花帐",
    "被",
    "褥",
    "荷包",
    "灯",
    "笔",
    "砚",
    "琴",
    "棋",
    "画",
    "戒指",
    "手镯",
    "银子",
    "钱",
    "金子",
    "玉佩",
    "佩",
    "令牌",
    "印",
    "信物",
    "包袱",
    "箱子",
    "匣子",
    "钥匙",
    "地图",
    "香囊",
    "手炉",
    "茶杯",
    "酒杯",
    "碗",
    "冠",
    "靴",
    "袄",
    "褂",
    "裙",
    "宫绦",
    "拂尘",
    "漱盂",
    "巾帕",
    "帖",
    "名帖",
    "邸报",
    "礼物",
    "行李",
)
ZH_FORMAL_MARKERS = ("请", "您", "尊", "令", "贱", "舍", "弟", "晚生", "蒙", "岂", "之理", "愚", "恭")
ZH_COLLOQUIAL_MARKERS = ("呢", "吧", "罢", "啊", "呀", "哩", "么", "咱", "俺")

# --- Era, atmosphere, themes: label → keywords (both languages) ------------------------------------------

ERA_LEXICON = MappingProxyType(
    {
        "en": (
            ("ancient", _words("pharaoh legion emperor chariot oracle gladiator temple senate centurion tribe")),
            ("medieval", _words("knight castle sword squire armour armor kingdom monk abbey crusade lance dragon")),
            (
                "19th century",
                _words(
                    "carriage chaise coach gentleman gentlemen ball assembly estate servants "
                    "parlour candle militia footman curate fortune thousand guineas pounds"
                ),
            ),
            ("early 20th century", _words("telegraph motor tram trench gramophone wireless zeppelin steamer")),
            (
                "modern",
                _words(
                    "phone telephone car computer email internet television airport taxi office laptop subway apartment"
                ),
            ),
            ("future", _words("spaceship starship robot android laser galaxy planet cyborg hologram orbit")),
        ),
        "zh": (
            (
                "古代",
                _words(
                    "老爷 太太 丫鬟 丫头 轿子 小厮 嬷嬷 银子 进京 皇上 朝廷 官 府 公子 姑娘 宫 殿 员外郎 "
                    "将军 知府 县令 书信 科举 功名 侍郎 奶娘"
                ),
            ),
            ("古代（江湖）", _words("江湖 武林 门派 掌门 侠 内力 剑法 镖局 少侠 魔教")),
            ("近代", _words("洋行 巡捕 租界 电报 军阀 黄包车 大帅 洋人 火车 留洋")),
            ("现代", _words("手机 电脑 公司 地铁 网络 汽车 微信 电话 电视 机场 办公室")),
            ("未来", _words("飞船 机器人 星际 人工智能 星球 激光 太空 赛博")),
        ),
    }
)
ATMOSPHERE_LEXICON = MappingProxyType(
    {
        "en": (
            (
                "lighthearted",
                _words(
                    "delight delighted delightful laugh laughed joke pleasant merry lively smile "
                    "smiles cheerful amusement pleased charming"
                ),
            ),
            (
                "romantic",
                _words(
                    "love loved beauty beautiful handsome admire admired marry marrying married "
                    "heart dance dancing partner"
                ),
            ),
            (
                "tense",
                _words(
                    "fear afraid danger threat urgent tremble trembling anger angry resentment rudeness vexed sharp"
                ),
            ),
            ("melancholy", _words("tears sorrow grief weep wept mourn lonely sad sadness suffer misery")),
            ("mysterious", _words("strange secret shadow shadows mystery whisper whispered unknown hidden")),
            ("dark", _words("blood death dead kill killed murder grave corpse dark darkness")),
        ),
        "zh": (
            ("温馨欢快", _words("笑 喜欢 欢喜 乐 顽笑 和睦 笑道")),
            ("悲伤", _words("哭 泪 伤心 悲 呜咽 涕泣 伤感 命苦")),
            ("紧张", _words("急 怕 惊 慌 吓 不安 忧")),
            ("神秘", _words("奇怪 梦 仙 神 通灵 来历 和尚")),
            ("庄重", _words("礼 拜见 恭 肃 敕造 请安 见礼 规矩")),
        ),
    }
)
THEME_LEXICON = MappingProxyType(
    {
        "en": (
            ("love", _words("love loved lover loves admire admired admiration affection heart")),
            ("marriage", _words("marry marrying married marriage wife husband wedding single")),
            ("family", _words("daughter daughters father mother sister sisters brother family children")),
            ("wealth", _words("fortune thousand money rich estate property pounds wealth income")),
            ("social class", _words("gentleman gentlemen rank lady ladies manners society acquaintance company")),
            ("pride", _words("pride proud proudest conceited vanity haughty")),
            ("friendship", _words("friend friends friendship")),
            ("war", _words("war battle soldier soldiers army enemy fight")),
            ("death", _words("death died dead die funeral")),
            ("power", _words("power king queen throne rule crown command")),
            ("justice", _words("crime law judge trial guilty justice murder")),
            ("faith", _words("god prayer church faith soul sin")),
        ),
        "zh": (
            ("家族", _words("外祖母 舅舅 舅母 姊妹 母亲 父亲 兄弟 孙女 府 家")),
            ("亲情", _words("疼爱 溺爱 思念 伤心 母 女儿 孝")),
            ("爱情", _words("情 爱 相思 姻缘 钟情")),
            ("婚姻", _words("娶 嫁 亲事 妻 夫人 续室")),
            ("权势", _words("官 职 袭 将军 员外郎 起复 府 敕造")),
            ("富贵", _words("富贵 银 钱 金 华丽 繁华 锦")),
            ("命运", _words("命 天缘 缘 命苦 因果")),
            ("礼教", _words("礼 拜见 请安 规矩 恭 读书")),
            ("宗教", _words("佛 和尚 庙 仙 道士 还愿 斋戒")),
            ("战争", _words("兵 战 杀 军 将 敌")),
        ),
    }
)
