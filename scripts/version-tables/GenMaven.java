// Writes the Maven version comparison table: every ordered pair of the versions in the
// given file, compared by Maven's own org.apache.maven.artifact.versioning.ComparableVersion
// (from Debian's libmaven3-core-java). Run through gen.sh.
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.maven.artifact.versioning.ComparableVersion;

public class GenMaven {
    public static void main(String[] args) throws Exception {
        List<String> versions = Files.readAllLines(Path.of(args[0])).stream()
            .filter(l -> !l.isEmpty() && !l.startsWith("#"))
            .collect(Collectors.toList());
        StringBuilder out = new StringBuilder();
        out.append("# a b result, produced by Maven ").append(args[1])
            .append("'s ComparableVersion.compareTo\n");
        for (String a : versions) {
            for (String b : versions) {
                int c = new ComparableVersion(a).compareTo(new ComparableVersion(b));
                out.append(a).append(' ').append(b).append(' ')
                    .append(c < 0 ? "<" : c == 0 ? "=" : ">").append('\n');
            }
        }
        System.out.print(out);
    }
}
