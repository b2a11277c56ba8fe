package dev.claudemesh.hook;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StopBlocksTest {
    @Test
    void theLimitIsClaudeCodesCapFromOneToEightAndEightOtherwise() {
        assertEquals(8, StopBlocks.limit(null));
        assertEquals(3, StopBlocks.limit("3"));
        assertEquals(1, StopBlocks.limit(" 1 "));
        assertEquals(8, StopBlocks.limit("0"), "0 means no cap in Claude Code; the rule still needs no more than 8");
        assertEquals(8, StopBlocks.limit("50"));
        assertEquals(8, StopBlocks.limit("-2"));
        assertEquals(8, StopBlocks.limit("many"));
    }

    @Test
    void blocksAreCountedPerSessionAndAStopOrPromptThatStartsAfreshResetsIt() {
        StopBlocks b = StopBlocks.counting("2");
        assertTrue(b.mayBlock("backend", false));
        b.blocked("backend");
        assertTrue(b.mayBlock("backend", true));
        b.blocked("backend");
        assertFalse(b.mayBlock("backend", true), "a third block in a row is past the cap");
        assertTrue(b.mayBlock("frontend", true), "another session has its own count");
        b.promptStarted("backend");
        assertTrue(b.mayBlock("backend", true));
        b.blocked("backend");
        b.blocked("backend");
        assertTrue(b.mayBlock("backend", false), "a stop that follows no block starts a new sequence");
    }

    @Test
    void withoutMemoryEveryStopMayBlock() {
        for (int i = 0; i < 20; i++) {
            StopBlocks.UNKNOWN.blocked("backend");
        }
        assertTrue(StopBlocks.UNKNOWN.mayBlock("backend", true));
    }
}
