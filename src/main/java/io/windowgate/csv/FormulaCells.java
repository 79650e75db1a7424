package io.windowgate.csv;

/**
 * Cells that a spreadsheet would run as a formula when an operator opens a rejected-rows file (CSV injection, as
 * OWASP describes it): those starting with '=', '+', '-', '@', tab or carriage return, also after leading blanks
 * or quote characters, which spreadsheets skip or which close a quoted part. Such a cell is written behind an
 * apostrophe, which spreadsheets take as "this cell is text", and read back without it, so a rejected-rows file that
 * is fixed and dropped again reads as the original cells.
 * <p>
 * Phone numbers in international form start with '+' and are neutralised too: telling a harmless '+' cell from a
 * formula is exactly what the rule avoids guessing, and a spreadsheet would otherwise show the number as 1.41556E+10.
 */
final class FormulaCells {

    private static final String TRIGGERS = "=+-@\t\r";

    private FormulaCells() {
    }

    static boolean isFormula(String cell) {
        for (int i = 0; i < cell.length(); i++) {
            char c = cell.charAt(i);
            if (TRIGGERS.indexOf(c) >= 0) {
                return true;
            }
            if (!(Character.isWhitespace(c) || Character.isSpaceChar(c) || c == '"' || c == '\'')) {
                return false;
            }
        }
        return false;
    }

    /** The cell as written to a rejected-rows file: a formula behind an apostrophe. */
    static String neutralised(String cell) {
        return isFormula(cell) ? "'" + cell : cell;
    }

    /**
     * The cell as a dropped file means it: one leading apostrophe before a formula is taken away. Since the apostrophe
     * is among the characters {@link #isFormula} looks past, a cell that was not neutralised never loses one.
     */
    static String restored(String cell) {
        return cell.startsWith("'") && isFormula(cell.substring(1)) ? cell.substring(1) : cell;
    }
}
