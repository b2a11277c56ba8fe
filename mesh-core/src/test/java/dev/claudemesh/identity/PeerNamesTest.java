package dev.claudemesh.identity;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PeerNamesTest {

    @Test
    void lettersDigitsDotUnderscoreAndDashAreValid() {
        assertTrue(PeerNames.isValid("backend"));
        assertTrue(PeerNames.isValid("Web_App-2.0"));
        assertTrue(PeerNames.isValid("7"));
        assertNull(PeerNames.problem("Web_App-2.0"));
    }

    @Test
    void dotDotIsValidBecauseOnlyTheCharacterSetIsChecked() {
        assertTrue(PeerNames.isValid(".."));
        assertNull(PeerNames.problem(".."));
    }

    @Test
    void emptyAndNullNamesAreInvalid() {
        assertFalse(PeerNames.isValid(""));
        assertFalse(PeerNames.isValid(null));
        assertTrue(PeerNames.problem("").contains("must not be empty"));
        assertTrue(PeerNames.problem(null).contains("must not be empty"));
    }

    @Test
    void sixtyFourCharactersIsTheLimit() {
        assertTrue(PeerNames.isValid("a".repeat(64)));
        assertFalse(PeerNames.isValid("a".repeat(65)));
        String p = PeerNames.problem("a".repeat(65));
        assertNotNull(p);
        assertTrue(p.contains("64") && p.contains("65"), p);
    }

    @Test
    void slashSpaceAndNonAsciiAreInvalid() {
        for (String bad : new String[] {"a/b", "a b", "a\\b", "caf\u00e9", "x:y", "a\nb"}) {
            assertFalse(PeerNames.isValid(bad), bad);
            assertTrue(PeerNames.problem(bad).contains("may hold only"), bad);
        }
    }

    @Test
    void problemShowsControlCharactersEscaped() {
        String p = PeerNames.problem("a\nb");
        assertTrue(p.contains("a\\u000ab"), p);
        assertFalse(p.contains("\n"), p);
    }

    @Test
    void keyIgnoresCase() {
        assertEquals(PeerNames.key("Backend"), PeerNames.key("BACKEND"));
        assertEquals("backend", PeerNames.key("BackEnd"));
    }

    @Test
    void fromDirectoryNameReplacesInvalidRunsWithDashAndTrimsDashes() {
        assertEquals("My-Project", PeerNames.fromDirectoryName("My Project!"));
        assertEquals("a-b", PeerNames.fromDirectoryName("  a  //  b  "));
        assertEquals("caf", PeerNames.fromDirectoryName("caf\u00e9"));
    }

    @Test
    void fromDirectoryNameFallsBackToPeerWhenNothingIsLeft() {
        assertEquals("peer", PeerNames.fromDirectoryName("!!!"));
        assertEquals("peer", PeerNames.fromDirectoryName(""));
        assertEquals("peer", PeerNames.fromDirectoryName(null));
    }

    @Test
    void fromDirectoryNameCutsToSixtyFourCharactersAndStaysValid() {
        String name = PeerNames.fromDirectoryName("x".repeat(100));
        assertEquals(64, name.length());
        assertTrue(PeerNames.isValid(name));
    }

    @Test
    void numberedLeavesTheFirstNameAndSuffixesLaterOnes() {
        assertEquals("backend", PeerNames.numbered("backend", 1));
        assertEquals("backend-2", PeerNames.numbered("backend", 2));
        assertEquals("backend-50", PeerNames.numbered("backend", 50));
    }

    @Test
    void numberedCutsTheBaseSoTheResultFitsSixtyFourCharacters() {
        String n2 = PeerNames.numbered("a".repeat(64), 2);
        assertEquals(64, n2.length());
        assertTrue(n2.endsWith("-2"));
        assertTrue(PeerNames.isValid(n2));

        String n10 = PeerNames.numbered("b".repeat(63), 10);
        assertEquals("b".repeat(61) + "-10", n10);

        assertEquals("c".repeat(60) + "-10", PeerNames.numbered("c".repeat(60), 10));
    }

    @Test
    void printableTruncatesLongInput() {
        String p = PeerNames.printable("z".repeat(200));
        assertEquals("z".repeat(80) + "...", p);
        assertEquals("short", PeerNames.printable("short"));
    }
}
