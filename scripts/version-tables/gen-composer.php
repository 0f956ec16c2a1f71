<?php
// Writes the Composer version comparison table: every ordered pair of the versions in the
// given file, normalised by Composer's VersionParser::normalize and compared by its
// Comparator (as Composer orders installed versions). `!` = normalize rejects one side, or
// the Comparator says neither <, == nor > (two different dev branches). Run through gen.sh.
require '/usr/share/php/Composer/Semver/autoload.php';

use Composer\Semver\Comparator;
use Composer\Semver\VersionParser;

$versions = array_values(array_filter(
    file($argv[1], FILE_IGNORE_NEW_LINES),
    fn ($l) => $l !== '' && $l[0] !== '#'
));
$parser = new VersionParser();
$norm = [];
foreach ($versions as $v) {
    try {
        $norm[$v] = $parser->normalize($v);
    } catch (UnexpectedValueException $e) {
        $norm[$v] = null;
    }
}
echo "# a b result, produced by composer/semver {$argv[2]} (VersionParser::normalize, then Comparator; ! = not valid or not comparable)\n";
foreach ($versions as $a) {
    foreach ($versions as $b) {
        $x = $norm[$a];
        $y = $norm[$b];
        $r = '!';
        if ($x !== null && $y !== null) {
            if (Comparator::lessThan($x, $y)) {
                $r = '<';
            } elseif (Comparator::equalTo($x, $y)) {
                $r = '=';
            } elseif (Comparator::greaterThan($x, $y)) {
                $r = '>';
            }
        }
        echo "$a $b $r\n";
    }
}
