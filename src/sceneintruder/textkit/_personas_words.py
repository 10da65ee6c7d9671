"""Word banks of `textkit.personas`: which trait words make which temperament, how speech-style descriptions are
read, and the short in-character phrases every temperament uses. Read-only module constants; generic
vocabulary of fiction in English and Chinese, never names from a particular book and never a genre.

Phrases take `{topic}` (what is being talked about) where they have it; everything else is filled in by
the caller. There are several variants of each so that a stable hash of the inputs can vary the wording.
"""

from __future__ import annotations

from types import MappingProxyType


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


TEMPERAMENTS = ("cheerful", "gentle", "proud", "witty", "anxious", "melancholy", "fierce", "steady")
# Temperaments grouped by how they meet other people: warm, cool, sharp, fragile.
MOOD_OF = MappingProxyType(
    {
        "cheerful": "warm",
        "gentle": "warm",
        "proud": "cool",
        "steady": "cool",
        "witty": "sharp",
        "fierce": "sharp",
        "anxious": "fragile",
        "melancholy": "fragile",
    }
)

TEMPERAMENT_WORDS = MappingProxyType(
    {
        "en": MappingProxyType(
            {
                "cheerful": _words(
                    "lively cheerful merry gay playful happy delightful amiable agreeable pleasant unreserved easy "
                    "unaffected good-humoured good-humored talkative warm silly jolly sunny exuberant optimistic"
                ),
                "gentle": _words(
                    "kind gentle sweet modest humble sincere patient good civil polite courteous cordial gracious "
                    "affectionate tender sensible generous considerate caring mild soft-spoken"
                ),
                "proud": _words(
                    "proud haughty reserved forbidding conceited vain cold disdainful arrogant fastidious aloof "
                    "superior snobbish dignified stern imperious"
                ),
                "witty": _words(
                    "witty clever sarcastic teasing shrewd sly cunning intelligent ironic quick capricious caprice "
                    "humorous sardonic mischievous sharp"
                ),
                "anxious": _words(
                    "nervous anxious timid shy fretful fearful uneasy weak sickly ill sick frail jumpy worried"
                ),
                "melancholy": _words(
                    "melancholy gloomy sad sorrowful discontented lonely grave serious solemn brooding wistful"
                ),
                "fierce": _words(
                    "fierce angry rude impatient stubborn obstinate bold brave hot-tempered harsh cruel wicked "
                    "bitter ruthless hot-headed reckless"
                ),
                "steady": _words("calm steady wise loyal honest diligent practical reliable quiet composed"),
            }
        ),
        "zh": MappingProxyType(
            {
                "cheerful": ("活泼", "热情", "欢喜", "爽利", "豁达", "天真", "淘气", "憨顽", "开朗", "风趣"),
                "gentle": (
                    "温柔",
                    "和气",
                    "可亲",
                    "慈爱",
                    "溺爱",
                    "贤惠",
                    "厚道",
                    "善良",
                    "谦恭",
                    "孝顺",
                    "纯良",
                    "忠心",
                    "体贴",
                ),
                "proud": ("傲慢", "孤高", "冷淡", "骄傲", "乖僻", "乖张", "不俗", "忘俗", "高傲", "清高", "矜持"),
                "witty": ("聪明", "伶俐", "机灵", "精明", "刁钻", "狡猾", "古怪", "机敏", "俏皮"),
                "anxious": ("怯弱", "胆小", "羞怯", "娇弱", "多病", "体弱", "懦弱", "谨慎", "多疑"),
                "melancholy": ("忧郁", "伤心", "多情", "痴狂", "沉默", "多愁", "伤感", "寡言"),
                "fierce": ("泼辣", "严厉", "刚强", "勇敢", "狠毒", "暴躁", "贪婪", "放诞", "无礼", "急躁"),
                "steady": ("稳重", "端庄", "老实", "恭肃", "严整", "沉稳", "持重"),
            }
        ),
    }
)

# How speech-style descriptions (the analyser's, or a model's free text) are read.
STYLE_CUES = MappingProxyType(
    {
        "en": MappingProxyType(
            {
                "formal": ("formal", "polite", "courtly", "eloquent", "refined", "dignified", "ceremonious"),
                "colloquial": ("colloquial", "casual", "informal", "slang", "blunt", "chatty", "folksy"),
                "exclamatory": ("exclamatory", "excitable", "emphatic", "effusive", "dramatic", "gushing"),
                "inquisitive": ("question", "inquisitive", "curious", "probing"),
                "terse": ("short sentences", "terse", "laconic", "curt", "brief", "few words"),
                "verbose": ("long sentences", "verbose", "rambling", "wordy", "long-winded"),
            }
        ),
        "zh": MappingProxyType(
            {
                "formal": ("文雅", "谦敬", "正式", "典雅", "客气", "礼貌", "斯文", "文绉绉"),
                "colloquial": ("口语", "随意", "俚", "直白", "泼辣", "俏皮", "粗俗"),
                "exclamatory": ("感叹", "激动", "夸张", "咋呼"),
                "inquisitive": ("发问", "追问", "好奇"),
                "terse": ("简短", "寡言", "言简", "简洁", "少言"),
                "verbose": ("较长", "絮叨", "啰嗦", "滔滔"),
            }
        ),
    }
)

INTERJECTIONS = MappingProxyType(
    {
        "en": MappingProxyType(
            {
                "cheerful": ("Oh!", "Ha!", "Why,", "Well now!"),
                "gentle": ("Oh,", "Ah,", "My dear,"),
                "proud": ("Hm.", "Indeed.", "I see."),
                "witty": ("Ah.", "Well, well.", "How curious."),
                "anxious": ("Oh dear.", "Oh! I—", "Goodness."),
                "melancholy": ("Ah...", "Well...", "Hm..."),
                "fierce": ("Hah!", "Now see here.", "Listen."),
                "steady": ("Well.", "Now,", "Hm,"),
            }
        ),
        "zh": MappingProxyType(
            {
                "cheerful": ("哎呀！", "哈哈，", "好呀，"),
                "gentle": ("哎，", "你呀，", "嗯，"),
                "proud": ("哼。", "嗯。", "哦？"),
                "witty": ("呵，", "这倒有趣。", "啧，"),
                "anxious": ("啊……", "哎哟，", "这……"),
                "melancholy": ("唉……", "罢了……", "嗯……"),
                "fierce": ("哼！", "好啊！", "呸，"),
                "steady": ("嗯，", "是了，", "这个么，"),
            }
        ),
    }
)

STANCES = MappingProxyType(
    {
        "en": MappingProxyType(
            {
                "cheerful": (
                    "It quite lifts my spirits to talk of it.",
                    "I cannot help smiling at the thought.",
                    "What a lovely thing to talk about!",
                ),
                "gentle": (
                    "I hope that is some comfort to you.",
                    "Do not trouble yourself too much over it.",
                    "We must think kindly of everyone involved.",
                ),
                "proud": (
                    "I do not say such things lightly.",
                    "You may take my word for it; I rarely trouble to explain myself.",
                    "There is little more worth saying.",
                ),
                "witty": (
                    "But perhaps I am only amusing myself.",
                    "One must laugh at these things, or be made a fool of by them.",
                    "Make of that what you will.",
                ),
                "anxious": (
                    "I only hope nothing dreadful comes of it.",
                    "Forgive me, my nerves are not what they should be.",
                    "I do hope I have not said too much.",
                ),
                "melancholy": (
                    "But such things rarely end happily.",
                    "I have thought of it more often than I care to admit.",
                    "Still, it weighs on me.",
                ),
                "fierce": (
                    "And I will not pretend otherwise.",
                    "Anyone who says different may say it to my face.",
                    "I have no patience for half-measures.",
                ),
                "steady": (
                    "That is how I see it, at any rate.",
                    "There it is, plainly.",
                    "We shall see how things stand.",
                ),
            }
        ),
        "zh": MappingProxyType(
            {
                "cheerful": ("说起这个，我心里就欢喜。", "想想都叫人高兴。", "这可真有意思！"),
                "gentle": ("你也别太挂心了。", "但愿这话能叫你宽心些。", "大家都不容易，还是体谅些好。"),
                "proud": ("这话我原不轻易说的。", "信不信由你。", "再多的，我也懒得说了。"),
                "witty": ("不过是我自己说着顽罢了。", "世上的事，不笑一笑便要被它捉弄了。", "你自己品去罢。"),
                "anxious": ("但愿别生出什么事来才好。", "我这心里总是不安。", "只怕我说多了。"),
                "melancholy": ("只是这样的事，终究难有好结果。", "想起来，心里总是沉沉的。", "罢了，说也无益。"),
                "fierce": ("我可不会装糊涂。", "谁若不服，只管当面来说。", "我最恨拖泥带水。"),
                "steady": ("我看大抵如此。", "事情便是这样。", "且看以后如何罢。"),
            }
        ),
    }
)

# A temperament's view of a subject under discussion.
OPINIONS = MappingProxyType(
    {
        "en": MappingProxyType(
            {
                "warm": (
                    "I think {topic} may turn out for the best.",
                    "I cannot think ill of {topic}; there is good in it.",
                    "{topic} makes me hopeful, I confess.",
                ),
                "cool": (
                    "To my mind, {topic} hardly deserves so much attention.",
                    "I have formed my opinion of {topic}, and I keep it to myself.",
                    "{topic} is of no great consequence to me.",
                ),
                "sharp": (
                    "{topic} will give everyone something to talk about for a month.",
                    "If you want my honest view, {topic} is half nonsense and half trouble.",
                    "{topic}? Everyone pretends to understand it; nobody does.",
                ),
                "fragile": (
                    "I fear {topic} will only bring trouble.",
                    "{topic} keeps me awake at night, if you must know.",
                    "I wish we did not have to think about {topic} at all.",
                ),
            }
        ),
        "zh": MappingProxyType(
            {
                "warm": (
                    "依我看，{topic}未必不是好事。",
                    "{topic}么，我倒觉得有几分盼头。",
                    "说起{topic}，我心里是欢喜的。",
                ),
                "cool": ("{topic}也值得这样大惊小怪？", "{topic}的事，我自有主意，不必多说。", "{topic}与我何干。"),
                "sharp": (
                    "{topic}啊，够大家说上一个月的了。",
                    "要我说，{topic}一半是胡闹，一半是麻烦。",
                    "{topic}？人人都说懂，其实谁也不懂。",
                ),
                "fragile": (
                    "只怕{topic}要惹出事来。",
                    "为着{topic}，我夜里都睡不安稳。",
                    "我只盼不必再想{topic}的事。",
                ),
            }
        ),
    }
)

# A temperament's view of another person: {other} is that person's name.
PERSON_OPINIONS = MappingProxyType(
    {
        "en": MappingProxyType(
            {
                "warm": (
                    "{other}? I think very well of {other}.",
                    "Ah, {other}. There is more good there than people suppose.",
                ),
                "cool": (
                    "{other}? I have my opinion of {other}, and it is not for sharing.",
                    "I have little to say about {other}.",
                ),
                "sharp": (
                    "{other}! Now there is a subject that could keep me talking all evening.",
                    "{other}? Ask me something harder.",
                ),
                "fragile": (
                    "{other}? I try not to think too much about {other}.",
                    "Please, do not make me speak of {other}.",
                ),
            }
        ),
        "zh": MappingProxyType(
            {
                "warm": ("{other}？我向来觉得{other}很好。", "说起{other}，旁人不知道，好处多着呢。"),
                "cool": ("{other}么，我自有看法，不便多说。", "{other}的事，我不大理会。"),
                "sharp": ("{other}！这话题够我说上一整晚了。", "{other}？你问点难的罢。"),
                "fragile": ("{other}……我不大愿意想起。", "快别叫我说{other}了。"),
            }
        ),
    }
)
# How a character passes on something it knows: {fact} is a sentence.
FACT_FRAMES = MappingProxyType(
    {
        "en": (
            "I can tell you this much: {fact}",
            "Here is what I know: {fact}",
            "This much I remember: {fact}",
            "What I have heard is this: {fact}",
        ),
        "zh": ("据我所知，{fact}", "我只晓得，{fact}", "听人说，{fact}", "我记得，{fact}"),
    }
)
# Self-descriptions that let a trait word show: "{trait}" is one of the character's traits.
SELF_TRAIT = MappingProxyType(
    {
        "en": (
            "People call me {trait}, and perhaps they are right.",
            "You will find me {trait} about such things, I am afraid.",
            "I have always been {trait}; I cannot help it.",
        ),
        "zh": ("人都说我{trait}，或许也不假。", "我向来{trait}，这也改不了。", "旁人总说我{trait}，我也懒得分辩。"),
    }
)

# English contractions, used both ways: formal speakers expand them, colloquial ones contract.
CONTRACTIONS = (
    ("cannot", "can't"),
    ("do not", "don't"),
    ("does not", "doesn't"),
    ("did not", "didn't"),
    ("will not", "won't"),
    ("would not", "wouldn't"),
    ("should not", "shouldn't"),
    ("could not", "couldn't"),
    ("is not", "isn't"),
    ("are not", "aren't"),
    ("was not", "wasn't"),
    ("have not", "haven't"),
    ("I am", "I'm"),
    ("I have", "I've"),
    ("I will", "I'll"),
    ("it is", "it's"),
    ("that is", "that's"),
    ("there is", "there's"),
    ("you are", "you're"),
    ("we are", "we're"),
    ("let us", "let's"),
)
FORMAL_OPENERS = MappingProxyType(
    {
        "en": ("Indeed, ", "I assure you, ", "Upon my word, ", "I must say, "),
        "zh": ("恕我直言，", "不瞒您说，", "依我愚见，"),
    }
)
COLLOQUIAL_TAILS = ("呢。", "吧。", "罢了。")

# English words that carry no topic: dropped when looking for what a line is about.
EXTRA_FUNCTION_WORDS = _words(
    "the a an and or but of to in on at by for with from as is was were be been it its his her their them "
    "that this what who how why when where which about know think tell say said me you your yours i my "
    "do does did not no yes have has had will would could should can just very much more most some any "
    "there here then than so if really please dear"
)
ZH_STOP_BIGRAMS = _words(
    "什么 怎么 知道 觉得 这个 那个 我们 你们 他们 一个 没有 不是 就是 如何 为何 为什么 是不 可是 "
    "你说 我说 告诉 请问 听说 怎样 哪里 那里 这里 自己 的事 的人 了吗 是否"
)
PHRASE_STOPS = _words("that which who and or but is was are were if when because last yesterday today tonight")
LOWERABLE = _words(
    "the a an that this there it what how you your we so if yes no here perhaps very of as but and then why "
    "when where who which one all such"
)
INTERJECTION_STARTS = (
    "Oh",
    "Ah",
    "Ha",
    "Hm",
    "Well",
    "Why,",
    "Goodness",
    "Indeed",
    "Listen",
    "Now",
    "My dear",
    "I see",
    "How curious",
    "哎",
    "啊",
    "唉",
    "哈",
    "哼",
    "哟",
    "嗯",
    "呵",
    "这……",
    "罢了",
    "好呀",
    "好啊",
    "呸",
    "是了",
    "这个么",
    "这倒有趣",
    "啧",
    "你呀",
)
# Words that frame a question without saying what it is about ("what happened", "你记得"): not searched for.
QUESTION_FRAME_WORDS = _words(
    "happened happen happens remember recall feel felt thing things something anything everything tell told ask "
    "asked like way went go going come came did does doing done make made get got ever never always now then "
    "today really quite well also yet still again one ones"
)
ZH_QUESTION_FRAME = _words(
    "发生 记得 怎样 当时 后来 那天 事情 时候 一下 说说 讲讲 谈谈 聊聊 可曾 曾经 到底 究竟 么样 情形"
)
# Chinese characters that carry no topic on their own: not indexed or searched as single-character terms.
ZH_STOP_CHARS = frozenset(
    "的了是在我你他她它们这那有不也就都而及与和或被把给让向对从吗呢吧啊么呀哦嗯很太还又再才只个些之其所以为何谁哪"
    "怎什样去来说道要会能可想便却并且已经着过得地上下里中一二三人此时"
)

# Putting narration in a character's mouth (`first_person`): after a name as subject comes a verb; after a name
# as object comes one of NOT_AFTER_SUBJECT (or a capital); a name right after OBJECT_AFTER is an object unless an
# auxiliary follows it ("for Elizabeth has").
NOT_AFTER_SUBJECT = _words(
    "the a an to of in on at by for with from into onto upon and or but nor so than as if his her their its my your "
    "our this that these those who whom which what when where while him them us me it"
)
AUXILIARIES = _words(
    "is was has had does did will would could should can might must may shall said replied cried answered"
)
OBJECT_AFTER = _words(
    "with to at for from by of on upon about toward towards like than behind beside near against among between "
    "without into onto under over after before around through told asked gave saw met called"
)


# Common English irregular verb forms and their base, so "lent" answers "lend" (searching the book).
def _pairs(text: str) -> MappingProxyType[str, str]:
    return MappingProxyType(dict(pair.split(":", 1) for pair in text.split()))


IRREGULAR_VERBS = _pairs(
    "was:be were:be been:be had:have did:do done:do went:go gone:go came:come saw:see seen:see "
    "took:take taken:take gave:give given:give got:get gotten:get made:make said:say told:tell "
    "thought:think brought:bring bought:buy caught:catch taught:teach fought:fight sought:seek "
    "found:find left:leave lent:lend sent:send spent:spend built:build felt:feel kept:keep slept:sleep "
    "met:meet led:lead fed:feed fled:flee held:hold stood:stand understood:understand knew:know known:know "
    "grew:grow threw:throw thrown:throw flew:fly drew:draw drawn:draw wore:wear worn:wear tore:tear "
    "torn:tear broke:break broken:break spoke:speak spoken:speak stole:steal stolen:steal chose:choose "
    "chosen:choose froze:freeze woke:wake wrote:write written:write rode:ride ridden:ride rose:rise "
    "drove:drive driven:drive ate:eat eaten:eat fell:fall fallen:fall forgot:forget forgotten:forget "
    "hid:hide hidden:hide bit:bite began:begin begun:begin sang:sing drank:drink swam:swim ran:run "
    "rang:ring sank:sink won:win sat:sit lay:lie lain:lie paid:pay laid:lay heard:hear sold:sell "
    "struck:strike hung:hang shot:shoot lost:lose meant:mean dealt:deal dug:dig shook:shake"
)
