package project

import "time"

// StageOn answers the stage a project was at on a given day (end of day),
// from its history in recorded order (as Transitions returns it). It is the
// stage of the latest recorded entry that happened on or before that day;
// before any, a project was at planning. In the usual history the days only
// grow, and this is simply the last entry up to the day; an import dated by
// its day of entry may be followed by moves that describe earlier days, and
// recorded order keeps today's answer equal to the project's stage. A
// correction counts from its own day, so a past date shows what the register
// said then.
func StageOn(history []Step, on time.Time) Stage {
	stage := Planning
	for _, t := range history {
		if !t.On.After(on) {
			stage = t.To
		}
	}
	return stage
}

// Step is an entry of a history as far as the stage goes: the stage it
// moved to and the day it happened.
type Step struct {
	To Stage
	On time.Time
}
