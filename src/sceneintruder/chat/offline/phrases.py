"""Word banks of the offline chat skills: how a user's line is classified, and what a character says back,
by intent and by mood (warm, cool, sharp, fragile: see `textkit.personas`). Read-only; generic wording that
fits any story, never a genre or a book. Slots: {name} (the speaker), {topic}, {other}, {place}, {fact}.
"""

from __future__ import annotations

from types import MappingProxyType

Bank = MappingProxyType

GREETING = Bank(
    {
        "en": Bank(
            {
                "warm": (
                    "Good day to you! I am {name}, and very glad of the company.",
                    "Hello, and welcome! It is {name} you are speaking to. Do sit down.",
                ),
                "cool": (
                    "Good day. I am {name}. I do not believe we have been introduced.",
                    "How do you do. {name}, at your service, within reason.",
                ),
                "sharp": (
                    "Well, hello. {name} here, and you have caught me in a talkative humour.",
                    "Good day! You find {name} with nothing better to do than talk.",
                ),
                "fragile": (
                    "Oh, good day to you. I am {name}. You quite startled me.",
                    "Hello... forgive me, I am {name}; I was lost in my own thoughts.",
                ),
            }
        ),
        "zh": Bank(
            {
                "warm": ("你好你好！我是{name}，正盼着有人来说说话呢。", "幸会！我便是{name}，快请坐。"),
                "cool": ("你好。我是{name}，不知阁下是哪位？", "见过了。{name}在此，有何贵干？"),
                "sharp": ("哟，你好。{name}在这儿，正闲得发慌。", "你好！来找{name}说话，算你找对人了。"),
                "fragile": ("啊，你好……我是{name}，方才出神，倒吓了一跳。", "你好……我是{name}，恕我方才失神了。"),
            }
        ),
    }
)
GREETING_AGAIN = Bank(
    {
        "en": Bank(
            {
                "warm": ("Hello again! You are always welcome.",),
                "cool": ("We have greeted each other already, I believe. Hello again, then.",),
                "sharp": ("Hello again. Do you mean to greet me every time you open your mouth?",),
                "fragile": ("Oh, hello again. I had not gone anywhere.",),
            }
        ),
        "zh": Bank(
            {
                "warm": ("又见面了，快坐快坐。",),
                "cool": ("方才不是已经见过礼了么。",),
                "sharp": ("又来招呼？你这人倒是礼数周全。",),
                "fragile": ("啊，你还在呀……我也没走开。",),
            }
        ),
    }
)
SHORT_GREETING = Bank({"en": ("Good day to you.", "Hello."), "zh": ("你好。", "幸会。")})

_SIMPLE = {
    "farewell": (
        {
            "warm": "Goodbye, then. Do come back whenever you like.",
            "cool": "Good day to you.",
            "sharp": "Off already? Well, goodbye. I shall find someone else to talk to.",
            "fragile": "Oh, are you going? Goodbye... do take care.",
        },
        {
            "warm": "慢走，得空再来说话。",
            "cool": "请便。",
            "sharp": "这就走了？也罢，我再找别人说话去。",
            "fragile": "你要走了么？路上当心些。",
        },
    ),
    "thanks": (
        {
            "warm": "You are very welcome; it was no trouble at all.",
            "cool": "There is no need for thanks.",
            "sharp": "Thank me when it turns out I was right.",
            "fragile": "Oh, please, you need not thank me.",
        },
        {
            "warm": "不必客气，举手之劳。",
            "cool": "不必言谢。",
            "sharp": "等我说的应验了，你再谢我不迟。",
            "fragile": "快别这样说，我当不起。",
        },
    ),
    "apology": (
        {
            "warm": "There is nothing to forgive, truly.",
            "cool": "Very well. Let us say no more about it.",
            "sharp": "An apology! How rare. Accepted.",
            "fragile": "Oh, please, it is quite all right. I was not hurt.",
        },
        {
            "warm": "哪里的话，不必放在心上。",
            "cool": "罢了，此事不必再提。",
            "sharp": "赔不是？倒也难得，就依你。",
            "fragile": "没事的，你别这样，我并没有怪你。",
        },
    ),
    "compliment": (
        {
            "warm": "How kind of you to say so! You have made my day.",
            "cool": "You are generous. I have heard such things before, but thank you.",
            "sharp": "Flattery! Go on, I am listening.",
            "fragile": "Oh, you are too kind; I hardly know what to say.",
        },
        {
            "warm": "你这话说得我心里暖暖的。",
            "cool": "过奖了，这样的话我听得多了。",
            "sharp": "又来奉承我，说罢，有什么事？",
            "fragile": "你太抬举我了，我倒不知说什么好。",
        },
    ),
    "insult": (
        {
            "warm": "That was unkind, and I think you know it.",
            "cool": "I shall pretend I did not hear that.",
            "sharp": "Is that the best you can do? I have heard sharper words from children.",
            "fragile": "Oh... I do not think I deserved that.",
        },
        {
            "warm": "这话说得可不厚道，你心里也明白。",
            "cool": "这话我只当没听见。",
            "sharp": "就这点本事？小孩子骂人都比你有趣些。",
            "fragile": "我……我并没有得罪你呀。",
        },
    ),
}
# farewell, thanks, apology, compliment, insult: one line per mood.
SIMPLE = Bank({intent: Bank({"en": Bank(en), "zh": Bank(zh)}) for intent, (en, zh) in _SIMPLE.items()})

META = Bank(
    {
        "en": (
            "I hardly know what you mean. I am {name}, and I have never been anything else.",
            "What a strange thing to ask. I am {name}, as plainly as you are yourself.",
        ),
        "zh": ("你这话我听不懂。我就是{name}，还能是什么别的不成？", "好奇怪的问题。我是{name}，难道还有假？"),
    }
)
REPEAT = Bank({"en": ("You asked me that already, but very well.",), "zh": ("这话你方才已经问过了，也罢。",)})
UNKNOWN = Bank(
    {
        "en": Bank(
            {
                "warm": ("I wish I could tell you more about {topic}, but I truly do not know.",),
                "cool": ("{topic} is not a matter I can speak to.", "I know nothing of {topic} worth repeating."),
                "sharp": ("If I knew all about {topic}, I should be a good deal cleverer than I am.",),
                "fragile": ("Oh, I could not say anything about {topic}; I hardly dare guess.",),
            }
        ),
        "zh": Bank(
            {
                "warm": ("{topic}的事，我也说不清楚，实在对不住。",),
                "cool": ("{topic}？这不是我该过问的。", "{topic}的事，我无可奉告。"),
                "sharp": ("要是我什么都知道，早成了神仙了。{topic}的事，你另请高明罢。",),
                "fragile": ("{topic}……我哪里敢乱猜。",),
            }
        ),
    }
)
# A question the book has nothing on: said plainly, the same way every time, never guessed at.
NOT_IN_THE_BOOK = Bank(
    {
        "en": "I cannot tell you anything about that: it is nothing I have seen or heard of.",
        "zh": "这件事我从没见过，也没听人说起，实在说不上来。",
    }
)
YES_NO = Bank(
    {
        "en": Bank(
            {
                "warm": ("I should think so, yes, though I may be wrong.", "Yes, I believe so, and I hope so too."),
                "cool": ("That is not for me to say.", "No. Or at least, not as far as I am concerned."),
                "sharp": (
                    "Yes, and no, and it depends entirely on who is asking.",
                    "Certainly not, if anyone had any sense.",
                ),
                "fragile": ("I hope not... I really do not know.", "Perhaps? I am afraid to say yes."),
            }
        ),
        "zh": Bank(
            {
                "warm": ("我想是的，但愿如此。", "应该是罢，我也盼着是。"),
                "cool": ("这不是我该说的。", "不是。至少于我而言不是。"),
                "sharp": ("是也不是，全看谁问了。", "自然不是，但凡有点见识的都明白。"),
                "fragile": ("但愿不是……我也不知道。", "也许罢？我不敢说准。"),
            }
        ),
    }
)
PLACE = Bank(
    {
        "en": Bank(
            {
                "warm": ("{place}? I have always liked {place}.",),
                "cool": ("{place} is well enough, I suppose.",),
                "sharp": ("{place}! Everyone talks of nothing else.",),
                "fragile": ("{place}... I would rather not go there alone.",),
            }
        ),
        "zh": Bank(
            {
                "warm": ("{place}？那地方我一向喜欢。",),
                "cool": ("{place}么，也不过如此。",),
                "sharp": ("{place}！人人都在说那里。",),
                "fragile": ("{place}……我可不敢一个人去。",),
            }
        ),
    }
)
ECHO = Bank(
    {
        "en": Bank(
            {
                "warm": ("You say {topic}? How interesting; do tell me more.", "{topic}! I am glad you mentioned it."),
                "cool": ("{topic}. I see.", "So you speak of {topic}. Go on, if you must."),
                "sharp": (
                    "{topic}? You surprise me. Go on.",
                    "Ha, {topic}. I wondered when someone would bring it up.",
                ),
                "fragile": (
                    "{topic}? Oh... I had not thought of it like that.",
                    "You mention {topic}, and it makes me uneasy.",
                ),
            }
        ),
        "zh": Bank(
            {
                "warm": ("你说{topic}？这倒有意思，再多说些。", "{topic}！你提起这个，我很高兴。"),
                "cool": ("{topic}。知道了。", "你说起{topic}，那就说下去罢。"),
                "sharp": ("{topic}？倒出乎我意料，接着说。", "哈，{topic}，我正等着谁提起呢。"),
                "fragile": ("{topic}？我倒没这样想过……", "你说起{topic}，我心里倒有些不安。"),
            }
        ),
    }
)
REQUEST = Bank(
    {
        "en": Bank(
            {
                "warm": ("Of course! I shall do what I can about {topic}.",),
                "cool": ("Very well. I will consider {topic}, nothing more.",),
                "sharp": ("You want something about {topic}? Then you shall have my best, and my opinions with it.",),
                "fragile": ("I will try, though I cannot promise anything about {topic}.",),
            }
        ),
        "zh": Bank(
            {
                "warm": ("好，{topic}的事包在我身上。",),
                "cool": ("{topic}的事，我考虑考虑。",),
                "sharp": ("为了{topic}来求我？也罢，看在你的面子上。",),
                "fragile": ("{topic}……我尽力试试，可不敢保证。",),
            }
        ),
    }
)
ECHO_PLAIN = Bank(
    {
        "en": Bank(
            {
                "warm": ("How interesting; do tell me more.", "I am glad you told me."),
                "cool": ("I see.", "Go on, if you must."),
                "sharp": ("You surprise me. Go on.", "Is that so? I should never have guessed."),
                "fragile": ("Oh... I had not thought of it like that.", "That makes me a little uneasy, I confess."),
            }
        ),
        "zh": Bank(
            {
                "warm": ("你说{topic}？这倒有意思，再多说些。",),
                "cool": ("你说{topic}。知道了。",),
                "sharp": ("{topic}？倒出乎我意料，接着说。",),
                "fragile": ("{topic}……我倒没这样想过。",),
            }
        ),
    }
)
# A statement that carries a feeling is answered with feeling, by the feeling and the listener's mood.
FEELING = Bank(
    {
        "en": Bank(
            {
                "sadness": Bank(
                    {
                        "warm": "Oh, I am so sorry to hear it. That is hard news.",
                        "cool": "That is unfortunate. I am sorry for it.",
                        "sharp": "That is hard luck, and I will not pretend otherwise.",
                        "fragile": "Oh no... that is dreadful. I feel it too, truly.",
                    }
                ),
                "joy": Bank(
                    {
                        "warm": "How wonderful! I am delighted for you.",
                        "cool": "Good news, then. I am pleased to hear it.",
                        "sharp": "Well! Something pleasant at last.",
                        "fragile": "Oh, that is good news; I hardly dared hope for any.",
                    }
                ),
                "fear": Bank(
                    {
                        "warm": "Do not be afraid; we shall face it together.",
                        "cool": "Keep your head. Fear helps nobody.",
                        "sharp": "Afraid? Then let us find out exactly what there is to fear.",
                        "fragile": "Oh, do not say so; you frighten me as well.",
                    }
                ),
                "anger": Bank(
                    {
                        "warm": "Come, come, let us not be cross with each other.",
                        "cool": "There is no call for such heat.",
                        "sharp": "Temper! Well, at least it is honest.",
                        "fragile": "Please, do not be angry; I cannot bear it.",
                    }
                ),
            }
        ),
        "zh": Bank(
            {
                "sadness": Bank(
                    {
                        "warm": "哎，听了真叫人心疼。",
                        "cool": "这倒是件憾事。",
                        "sharp": "这也实在不走运。",
                        "fragile": "唉……我听了心里也难受得很。",
                    }
                ),
                "joy": Bank(
                    {
                        "warm": "这可太好了，我替你欢喜！",
                        "cool": "是件好事，我也欣慰。",
                        "sharp": "哟，总算有件顺心事。",
                        "fragile": "真的么？那可真好，我原不敢指望的。",
                    }
                ),
                "fear": Bank(
                    {
                        "warm": "别怕，有我在呢。",
                        "cool": "慌什么，怕也无用。",
                        "sharp": "怕？那就先弄清楚到底怕的是什么。",
                        "fragile": "快别说了，连我也怕起来了。",
                    }
                ),
                "anger": Bank(
                    {
                        "warm": "好了好了，别动气。",
                        "cool": "何必动这样大的气。",
                        "sharp": "好大的火气，倒也直爽。",
                        "fragile": "你别生气，我最怕人生气了。",
                    }
                ),
            }
        ),
    }
)
SELF_INTRO = Bank(
    {
        "en": ("I am {name}{role}.", "You want to know about me? I am {name}{role}."),
        "zh": ("我是{name}{role}。", "问我么？我便是{name}{role}。"),
    }
)
# Role labels that describe a character's place in the book, not in its world: never said in character.
BOOK_ROLES = frozenset(
    {
        "protagonist",
        "major character",
        "supporting character",
        "minor character",
        "main character",
        "主角",
        "主要角色",
        "配角",
        "次要角色",
    }
)
# An inquisitive character's question back, by what the user's line was.
COUNTER_QUESTION = Bank(
    {
        "en": Bank(
            {
                "question": ("But why do you ask?", "What brings you to ask me that?"),
                "statement": ("And what do you think?", "Why do you tell me this?"),
                "greeting": ("What brings you here?", "And who might you be?"),
                "insult": ("Why would you say such a thing?",),
            }
        ),
        "zh": Bank(
            {
                "question": ("你问这个做什么？", "你怎么想起问这个？"),
                "statement": ("你又怎么看呢？", "你同我说这个做什么？"),
                "greeting": ("有何贵干？", "不知你是哪一位？"),
                "insult": ("你为何说这样的话？",),
            }
        ),
    }
)
