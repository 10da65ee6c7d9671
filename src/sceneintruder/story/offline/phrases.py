"""Word banks of the offline story skills: the narrator's connecting phrases, choice templates and console
answers, in English and Chinese. Read-only; every line fits any story (no genre, no book). Slots: {a} and
{b} (characters), {names}, {p} (a place), {i} (an object), {s} (a sentence of the source), {x} (what the
player typed), {topic}, {skill}, {goal}. Each entry is (English variants, Chinese variants).
"""

from __future__ import annotations

from types import MappingProxyType


def _bank(**entries: tuple[tuple[str, ...], tuple[str, ...]]) -> MappingProxyType[str, MappingProxyType[str, tuple]]:
    return MappingProxyType({key: MappingProxyType({"en": en, "zh": zh}) for key, (en, zh) in entries.items()})


NARRATION = _bank(
    lead_first=(("The story begins.", "Here the tale opens."), ("故事由此开始。", "故事从这里说起。")),
    lead_middle=(
        ("The story moves on.", "Time passes, and the scene shifts.", "The next moment unfolds."),
        ("故事继续往下。", "时光流转，场景一换。", "接下来，事情又有了新的变化。"),
    ),
    lead_last=(
        ("The chapter draws toward its close.", "The last part of this chapter unfolds."),
        ("这一回渐近尾声。", "故事来到本回的最后一段。"),
    ),
    bridge=(
        ("Soon, the scene moves on.", "Before long, things take a new turn.", "Then the story carries on."),
        ("不多时，事情又起了变化。", "随后，故事继续展开。", "转眼间，情形又是一变。"),
    ),
    mood=(("The mood is {topic}.",), ("此间气氛{topic}。",)),
    cast_none=(("You watch from the edge of the scene.",), ("你在一旁静静旁观。",)),
    cast_one=(("You are close to {a}.", "You stand near {a}."), ("你就在{a}身旁。", "你离{a}不远。")),
    cast_many=(("You are among {names}.", "Around you are {names}."), ("你置身于{names}之间。", "{names}都在你眼前。")),
    frame=(
        ("You learn that {s}", "You notice that {s}", "It becomes clear that {s}", "You gather that {s}"),
        ("你留意到，{s}", "你看到，{s}", "你得知，{s}"),
    ),
    quote_named=(
        ("{a} says, “{s}”", "{a} remarks, “{s}”", "You hear {a} say, “{s}”"),
        ("只听{a}说：“{s}”", "{a}开口道：“{s}”"),
    ),
    quote_unknown=(("You hear someone say, “{s}”", "A voice rises: “{s}”"), ("只听有人道：“{s}”", "有人说道：“{s}”")),
    hook=(
        ("What will you do?", "What do you do now?", "The next move is yours."),
        ("你会怎么做？", "接下来，你打算如何？", "下一步，由你决定。"),
    ),
    act=(("You {x}.",), ("你{x}。",)),
    act_quoted=(("You choose: “{x}”.",), ("你选择了“{x}”。",)),
    reaction=(
        (
            "{a} pauses, then answers you.",
            "{a} looks up, surprised to be addressed.",
            "{a} listens, weighing every word.",
        ),
        ("{a}顿了一顿，方才答话。", "{a}抬起头来，似乎没料到你会开口。", "{a}静静听着，掂量着你的每一句话。"),
    ),
    expansive=(
        (
            "For a moment everything around you seems to hold its breath.",
            "You take in every detail: the light, the voices, the small movements of those nearby.",
        ),
        ("一时间，四下都静了下来。", "你把周遭的一切都看在眼里：光影、人声、旁人细微的举动。"),
    ),
    twist=(
        (
            "Yet something about it does not quite fit, and you sense more beneath the surface.",
            "And then a small detail catches your eye, one that does not match what you were told.",
        ),
        ("然而你隐隐觉得，事情并不像表面那样简单。", "就在这时，一个小小的细节引起了你的注意，与你听到的并不相符。"),
    ),
    ending=(
        ("The chapter has reached its end; whatever comes next grows from your own choices.",),
        ("本回至此已到尽头；此后如何，全凭你的抉择。",),
    ),
)

# (text, consequence, hint) templates of the choices offered after a node.
CHOICES = _bank(
    talk=(
        ("Speak with {a}", "{a} may reveal more than was said aloud.", "{a} responds"),
        ("与{a}攀谈", "{a}或许会吐露更多心里话。", "{a}的回应"),
    ),
    watch=(
        ("Watch {a} closely", "You may catch what {a} leaves unsaid.", "What {a} hides"),
        ("留意{a}的神色", "也许能看出{a}没有说出口的事。", "{a}的心思"),
    ),
    place=(
        ("Go to {p}", "{p} may hold the next turn of events.", "Arriving at {p}"),
        ("前往{p}", "{p}或许藏着下一步的线索。", "来到{p}"),
    ),
    item=(
        ("Take a closer look at {i}", "{i} may matter more than it seems.", "What {i} means"),
        ("仔细看看{i}", "这{i}或许另有玄机。", "{i}的来历"),
    ),
    goal=(
        ("Help them {goal}", "Helping may win you trust.", "The plan unfolds"),
        ("帮着去{goal}", "出一份力，或许能赢得信任。", "计划展开"),
    ),
    wait=(
        ("Let events take their course", "You keep quiet and see what happens next.", "Events unfold"),
        ("静观其变", "你暂不作声，看事情如何发展。", "事态发展"),
    ),
    think=(
        ("Step back and think it over", "You weigh what you have seen before acting.", "A moment of reflection"),
        ("退后一步，细细思量", "你先把所见所闻想清楚再行动。", "片刻思量"),
    ),
    end_reflect=(
        ("Look back on how it all began", "You return to the start with what you know now.", "Looking back"),
        ("回想故事的开端", "带着如今的见识，重新审视开端。", "回顾"),
    ),
)

TASK = _bank(
    objectives=(
        ("Talk it over with {a}", "{goal}", "See how it turns out"),
        ("与{a}商量此事", "{goal}", "看看结果如何"),
    ),
    reward=(("The trust of {a}",), ("{a}的信任",)),
)

CONSOLE = _bank(
    say=(("You say, “{x}”",), ("你说道：“{x}”",)),
    react=(("{a} replies: “{s}”", "{a} answers: “{s}”"), ("{a}答道：“{s}”", "{a}接口道：“{s}”")),
    unresolved=(
        ("Nothing is settled yet.", "The matter hangs in the balance.", "Whatever this leads to, it is not over."),
        ("事情还远未了结。", "一切仍悬而未决。", "此事究竟如何，还未可知。"),
    ),
    open=(("{p} lies open to you.",), ("{p}此刻可以前往。",)),
    locked=(("The way to {p} is closed for now.",), ("{p}暂时还去不得。",)),
    item=(("You keep {i} close at hand.",), ("你把{i}握在手中。",)),
    group_intro=(("{names} turn to the matter of {topic}.",), ("{names}说起{topic}来。",)),
    group_outro_one=(("Perhaps {a} could be persuaded.",), ("或许可以说动{a}。",)),
    group_outro=(
        ("Perhaps {a} could be persuaded, or {b} questioned further.",),
        ("或许可以说动{a}，或者再问问{b}。",),
    ),
    skill=(("You call on your {skill}.", "You put your {skill} to use."), ("你施展{skill}。", "你用上了{skill}。")),
    skill_person=(("{a} is the first to feel its effect.",), ("{a}首先感受到了它的作用。",)),
    skill_item=(("It may reveal what {i} hides.",), ("也许能看出{i}藏着什么。",)),
    skill_place=(("It may open the way to {p}.",), ("也许能打开通往{p}的路。",)),
    skill_none=(("The moment shifts a little in your favour.",), ("局面微微向你这边倾斜。",)),
    no_skill=(("You name no particular skill, so you rely on your wits.",), ("你没有指明技能，只能凭自己的机智。",)),
    no_character=(
        ("No one is singled out, so the scene itself answers.",),
        ("你没有指定角色，于是由场景本身来回应。",),
    ),
)

# (text, consequence, next_hint) of console suggestions, by kind.
CONSOLE_CHOICES = _bank(
    go_on=(
        ("Press on: {x}", "You follow through on what you started.", "Following through"),
        ("继续：{x}", "把刚才的事做到底。", "继续"),
    ),
    hear=(
        ("Hear what {a} has to say", "{a} may see it differently.", "{a} speaks"),
        ("听听{a}怎么说", "{a}或许另有看法。", "{a}发话"),
    ),
    explore=(
        ("Go to {p}", "{p} may hold something new.", "Arriving at {p}"),
        ("前往{p}", "{p}或许有新的发现。", "来到{p}"),
    ),
    use_item=(("Use {i}", "{i} may change things.", "Using {i}"), ("使用{i}", "{i}或许能改变局面。", "使用{i}")),
    use_skill=(
        ("Use {skill}", "Your {skill} may tip the balance.", "Using {skill}"),
        ("施展{skill}", "{skill}或许能扭转局面。", "施展{skill}"),
    ),
    wait=(("Wait and watch", "You let the moment breathe.", "Waiting"), ("静观其变", "你暂且不动，看看动静。", "等待")),
    press=(
        ("Ask {a} more", "{a} may say more if pressed.", "{a} goes on"),
        ("再问问{a}", "{a}或许还有话没说完。", "{a}接着说"),
    ),
    change=(
        ("Change the subject", "{a} may relax if you talk of something else.", "Another topic"),
        ("换个话题", "换个话题，{a}或许会放松些。", "换个话题"),
    ),
    side=(
        ("Side with {a}", "{a} will remember your support.", "{a} gains ground"),
        ("站在{a}这边", "{a}会记得你的支持。", "{a}占了上风"),
    ),
)

EXPLORE = _bank(
    intro=(("You explore {p}.", "You take a careful look around {p}."), ("你在{p}四处查看。", "你仔细打量着{p}。")),
    nobody=(("It is quiet here; no one else is about.",), ("这里很安静，四下无人。",)),
    present=(("{names} can be seen nearby.",), ("{names}也在附近。",)),
    noticed=(("Among the things here, {i} catches your eye.",), ("你注意到了{i}。",)),
    encounter=(("{a} is here as well, and turns toward you.",), ("{a}也在这里，正朝你看过来。",)),
    encounter_greet=(("Greet {a}", "{a} may explain what brings them here."), ("上前招呼{a}", "{a}或许会说明来意。")),
    encounter_leave=(
        ("Slip away unnoticed", "You keep your visit to yourself."),
        ("悄悄离开", "你不让别人知道你来过。"),
    ),
    revelation=(
        ("Something here does not match what you have been told: {s}",),
        ("这里有些东西与你听说的不太一样：{s}",),
    ),
    revelation_follow=(("Look into it further", "There may be more to find."), ("继续追查", "或许还能发现更多。")),
    revelation_keep=(
        ("Keep it to yourself for now", "You hold on to what you know."),
        ("暂且按下此事", "你先把所知记在心里。"),
    ),
    discovery=(("You come upon {i}.",), ("你发现了{i}。",)),
    discovery_take=(("Take {i}", "It may prove useful."), ("收起{i}", "或许日后用得上。")),
    discovery_leave=(("Leave it where it lies", "You leave things as they are."), ("原样放回", "你没有动它。")),
)
