using System.Diagnostics;

namespace Pax.Live.Edge.Tests;

/// <summary>
/// Clips derived from vtest.avi with Debian's ffmpeg, each an incident between 10 s and 20 s of a 30 s clip (the view
/// is clear before and after): made once, cached under the test output (clips/NAME.avi beside the recipe it was made by).
/// </summary>
internal static class Clips
{
    /// <summary>When the incident of every clip starts and ends, in media seconds.</summary>
    public const double From = 10, To = 20;

    private const string During = "enable='between(t,10,20)'";

    /// <summary>Each clip's ffmpeg arguments between the input and the output.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Recipes = new Dictionary<string, string[]>
    {
        // People standing still: frame 100 (7 people, labelled) held for 12 s from 10 s on.
        ["freeze"] = ["-vf", "loop=loop=120:size=1:start=100,setpts=N/10/TB"],
        ["cover-black"] = ["-vf", $"drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill:{During}"],
        ["cover-grey"] = ["-vf", $"drawbox=x=0:y=0:w=iw:h=ih:color=0x808080:t=fill:{During}"],
        ["cover-green"] = ["-vf", $"drawbox=x=0:y=0:w=iw:h=ih:color=0x2E6B30:t=fill:{During}"],
        // A lamp in the lens: nearly white, a little noise left.
        ["blinded"] = ["-vf", $"drawbox=x=0:y=0:w=iw:h=ih:color=0xF8F8F8:t=fill:{During},noise=alls=6:allf=t"],
        // Turned by 200 px, the border black / the picture wrapped round / a new scene (turned upside down).
        ["moved-black"] = ["-filter_complex", $"[0]split[a][b];[b]crop=iw-200:ih:0:0,pad=iw+200:ih:200:0:black[s];[a][s]overlay=0:0:{During}"],
        ["moved-wrap"] = ["-filter_complex", $"[0]split=3[a][b][c];[b]crop=200:ih:iw-200:0[r];[c]crop=iw-200:ih:0:0[l];[r][l]hstack[s];[a][s]overlay=0:0:{During}"],
        ["moved-scene"] = ["-filter_complex", $"[0]split[a][b];[b]hflip,vflip[s];[a][s]overlay=0:0:{During}"],
        ["defocused"] = ["-filter_complex", $"[0]split[a][b];[b]gblur=sigma=10[s];[a][s]overlay=0:0:{During}"],
        // A light switched on: +70 grey levels at once, off again.
        ["light-step"] = ["-vf", $"eq=brightness=0.27:{During}"],
        ["light-step-down"] = ["-vf", $"eq=brightness=-0.27:{During}"],
        // Dusk and dawn: down to -90 grey levels over 5 s and back.
        ["light-fade"] = ["-vf", "eq=eval=frame:brightness='if(between(t,10,20),-0.35*(1-abs(t-15)/5),0)'"],
        // The lens uncovered at 10 s after 10 s under a black cover (the case that gave fire 1.0).
        ["uncover"] = ["-vf", "drawbox=x=0:y=0:w=iw:h=ih:color=black:t=fill:enable='lt(t,10)'"],
        // Warm headlights sweeping across the square, one pass every 4 s, lighting the scene as they pass.
        ["headlights"] = ["-vf", $"eq=eval=frame:brightness='if(between(t,10,20),0.12*max(0,sin(PI*mod(t,4)/4)),0)',drawbox=x='mod(t*250,1000)-200':y=180:w=220:h=110:color=0xFFE0A0@0.85:t=fill:{During}"],
        // A synthetic flame from 10 s on: an orange-yellow region flickering at 3 Hz and growing.
        ["flame"] =
        [
            "-f", "lavfi", "-i",
            "color=c=black:s=200x200:r=10:d=30,format=rgba,geq=r='255*(0.8+0.2*sin(2*PI*(3*T+X/11+Y/7)))':g='175*(0.8+0.2*sin(2*PI*(3*T+X/11+Y/7)))':b='30':a='if(gte(T,10)*lt(hypot((X-100)*1.4,Y-140),15+7*(T-10)),255,0)'",
            "-filter_complex", "[0][1]overlay=60:300:shortest=1",
        ],
    };

    private static readonly Lock Making = new();

    /// <summary>The path of clip <paramref name="name"/>, made now if the cache lacks it or holds one of another recipe.</summary>
    public static string Get(string name)
    {
        var recipe = Recipes[name];
        var folder = Path.Combine(AppContext.BaseDirectory, "clips");
        var path = Path.Combine(folder, name + ".avi");
        var stamp = path + ".recipe";
        var text = string.Join('\n', recipe);
        lock (Making)
        {
            if (File.Exists(path) && File.Exists(stamp) && File.ReadAllText(stamp) == text)
            {
                return path;
            }

            Directory.CreateDirectory(folder);
            var start = new ProcessStartInfo("ffmpeg") { RedirectStandardError = true, UseShellExecute = false };
            foreach (var arg in (string[])["-loglevel", "error", "-y", "-i", Footage.Vtest, .. recipe, "-t", "30", "-r", "10", "-c:v", "mjpeg", "-q:v", "3", "-an", path + ".tmp.avi"])
            {
                start.ArgumentList.Add(arg);
            }

            using var ffmpeg = Process.Start(start) ?? throw new InvalidOperationException("ffmpeg did not start (apt-get install ffmpeg).");
            var errors = ffmpeg.StandardError.ReadToEnd();
            ffmpeg.WaitForExit();
            Assert.True(ffmpeg.ExitCode == 0, $"ffmpeg made no {name} clip: {errors}");
            File.Move(path + ".tmp.avi", path, overwrite: true);
            File.WriteAllText(stamp, text);
            return path;
        }
    }
}
